using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Llm.Stack;

/// <summary>
/// Binds a configuration section onto an options object and reports every problem in plain words with the full key
/// path: a key that names no setting (with the closest known one), a value that does not convert, a value the setting
/// refuses. Only settable properties of simple types (text, numbers, booleans, enums, URIs, time spans) and read-only
/// lists of text (an array in configuration, or one value separated by commas) are keys, and a read-only dictionary of
/// text is a section of named values; properties of the settings
/// types of this folder (and <see cref="LlmResilienceOptions"/>) are sections, bound recursively; a read-only
/// dictionary of them is a section of named sections, such as <c>LlmStack:ChatModels:&lt;name&gt;</c>.
/// </summary>
internal static class ConfigurationSectionBinder
{
    public static void Bind(IConfiguration section, object target, string path, List<string> errors, IReadOnlyCollection<string>? otherKeys = null)
    {
        Dictionary<string, PropertyInfo> properties = KeysOf(target.GetType());
        foreach (IConfigurationSection child in section.GetChildren())
        {
            string key = path + ":" + child.Key;
            if (otherKeys?.Contains(child.Key, StringComparer.OrdinalIgnoreCase) == true)
            {
                continue;
            }

            if (!properties.TryGetValue(child.Key, out PropertyInfo? property))
            {
                errors.Add(UnknownKey(key, path, child.Key, [.. properties.Keys, .. otherKeys ?? []]));
                continue;
            }

            if (IsTextMap(property))
            {
                SetMap(child, (IDictionary<string, string>)property.GetValue(target)!, key, errors);
                continue;
            }

            if (SectionMapItemType(property) is { } itemType)
            {
                BindMap(child, (System.Collections.IDictionary)property.GetValue(target)!, itemType, key, errors);
                continue;
            }

            if (IsSection(property.PropertyType))
            {
                if (child.Value is not null)
                {
                    errors.Add($"{key} is a section, not a value: set its keys instead, such as {key}:{KeysOf(property.PropertyType).Keys.First()}.");
                    continue;
                }

                object nested = property.GetValue(target) ?? Activator.CreateInstance(property.PropertyType)!;
                Bind(child, nested, key, errors);
                property.SetValue(target, nested);
                continue;
            }

            if (IsTextList(property))
            {
                SetList(target, property, key, child, errors);
                continue;
            }

            if (child.GetChildren().Any())
            {
                errors.Add($"{key} takes a single value, but has keys under it ({string.Join(", ", child.GetChildren().Select(c => key + ":" + c.Key))}).");
                continue;
            }

            SetValue(target, property, key, child.Value, errors);
        }
    }

    /// <summary>Binds a section of named sections (<c>LlmStack:ChatModels:&lt;name&gt;</c>), one item per child, each bound recursively.</summary>
    private static void BindMap(IConfigurationSection section, System.Collections.IDictionary map, Type itemType, string key, List<string> errors)
    {
        if (section.Value is not null)
        {
            errors.Add($"{key} is a section of named entries, not a value: set {key}:<name>:{KeysOf(itemType).Keys.First()} and the other keys of each.");
            return;
        }

        foreach (IConfigurationSection item in section.GetChildren())
        {
            string itemKey = key + ":" + item.Key;
            if (item.Value is not null)
            {
                errors.Add($"{itemKey} is a section, not a value: set its keys instead, such as {itemKey}:{KeysOf(itemType).Keys.First()}.");
                continue;
            }

            object nested = map[item.Key] ?? Activator.CreateInstance(itemType)!;
            Bind(item, nested, itemKey, errors);
            map[item.Key] = nested;
        }
    }

    /// <summary>Adds a section of named values (<c>LlmStack:Chat:Adapters:&lt;name&gt;</c> = a path), one entry per child.</summary>
    private static void SetMap(IConfigurationSection section, IDictionary<string, string> map, string key, List<string> errors)
    {
        if (section.Value is not null)
        {
            errors.Add($"{key} is a section of named values, not a value: set {key}:<name> to each value.");
            return;
        }

        foreach (IConfigurationSection item in section.GetChildren())
        {
            string itemKey = key + ":" + item.Key;
            if (item.GetChildren().Any())
            {
                errors.Add($"{itemKey} takes a single value, but has keys under it ({string.Join(", ", item.GetChildren().Select(c => itemKey + ":" + c.Key))}).");
            }
            else if (string.IsNullOrWhiteSpace(item.Value))
            {
                errors.Add($"{itemKey} is empty.");
            }
            else
            {
                map[item.Key] = item.Value.Trim();
            }
        }
    }

    /// <summary>The names of the keys a type accepts.</summary>
    public static IEnumerable<string> KeyNames(Type type) => KeysOf(type).Keys;

    /// <summary>Replaces a list's items with an array's values, or with one value's comma-separated parts.</summary>
    private static void SetList(object target, PropertyInfo property, string key, IConfigurationSection section, List<string> errors)
    {
        var list = (IList<string>)property.GetValue(target)!;
        string[] items = section.Value is string single
            ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [.. section.GetChildren().Select(c => c.Value?.Trim() ?? string.Empty)];
        if (section.Value is null && section.GetChildren().FirstOrDefault(c => c.GetChildren().Any()) is { } nested)
        {
            errors.Add($"{key} is a list of values, but {key}:{nested.Key} has keys under it.");
            return;
        }

        if (Array.FindIndex(items, string.IsNullOrEmpty) is int empty and >= 0)
        {
            errors.Add($"{key} has an empty item (at index {empty}).");
            return;
        }

        list.Clear();
        foreach (string item in items)
        {
            list.Add(item);
        }
    }

    private static void SetValue(object target, PropertyInfo property, string key, string? raw, List<string> errors)
    {
        Type type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (string.IsNullOrEmpty(raw))
        {
            if (type == typeof(string) || property.PropertyType != type)
            {
                Set(target, property, key, raw, type == typeof(string) ? raw : null, errors);
            }

            return;
        }

        if (!TryConvert(type, raw, out object? value))
        {
            errors.Add($"{key} is '{raw}', which is not {Expected(type)}.");
            return;
        }

        Set(target, property, key, raw, value, errors);
    }

    private static void Set(object target, PropertyInfo property, string key, string? raw, object? value, List<string> errors)
    {
        try
        {
            property.SetValue(target, value);
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException inner)
        {
            // OptionRange's messages state the range ("Must be from 1 to 100."): quoted, so the user sees what is allowed.
            string reason = inner is not ArgumentOutOfRangeException ? FirstSentence(inner.Message)
                : inner.Message.StartsWith("Must be ", StringComparison.Ordinal) ? "it m" + FirstSentence(inner.Message)[1..]
                : "it is out of range for this setting";
            errors.Add($"{key} is '{raw}', which is not allowed: {reason}.");
        }
    }

    private static bool TryConvert(Type type, string raw, out object? value)
    {
        value = null;
        if (type.IsEnum)
        {
            if (Enum.TryParse(type, raw, ignoreCase: true, out object? parsed) && Enum.IsDefined(type, parsed!) && !char.IsDigit(raw.Trim()[0]))
            {
                value = parsed;
                return true;
            }

            return false;
        }

        if (type == typeof(Uri))
        {
            bool ok = Uri.TryCreate(raw, UriKind.RelativeOrAbsolute, out Uri? uri);
            value = uri;
            return ok;
        }

        try
        {
            value = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(raw);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException || e.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static string Expected(Type type) => type switch
    {
        _ when type.IsEnum => "one of: " + string.Join(", ", Enum.GetNames(type)),
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(TimeSpan) => "a time span such as 00:05:00",
        _ when type == typeof(Uri) => "a URI",
        _ => "a value of type " + type.Name,
    };

    private static string UnknownKey(string key, string path, string name, IReadOnlyCollection<string> known)
    {
        string? closest = Closest(name, known);
        string hint = closest is null ? "" : $" Did you mean {path}:{closest}?";
        return $"{key} is not a known key.{hint} The keys of {path} are: {string.Join(", ", known)}.";
    }

    /// <summary>The known name closest to <paramref name="name"/> (a typo's likely intent, compared without regard to case), if one is close enough.</summary>
    public static string? Closest(string name, IEnumerable<string> known) => known
        .Select(k => (Key: k, Distance: Distance(k.ToUpperInvariant(), name.ToUpperInvariant())))
        .Where(k => k.Distance <= Math.Max(2, name.Length / 3))
        .OrderBy(k => k.Distance)
        .Select(k => k.Key)
        .FirstOrDefault();

    private static int Distance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        string first = end > 0 ? message[..end] : message;
        int line = first.IndexOf('\n', StringComparison.Ordinal);
        return (line > 0 ? first[..line] : first).TrimEnd('\r', '.');
    }

    private static bool IsSection(Type type) =>
        type.Assembly == typeof(ConfigurationSectionBinder).Assembly && type.IsClass
        && (type.Name.EndsWith("Settings", StringComparison.Ordinal) || type == typeof(LlmResilienceOptions));

    /// <summary>The item type of a read-only <c>IDictionary&lt;string, TSettings&gt;</c> property of sections, else <see langword="null"/>.</summary>
    private static Type? SectionMapItemType(PropertyInfo property) =>
        property.SetMethod is null
        && property.PropertyType.IsGenericType
        && property.PropertyType.GetGenericTypeDefinition() == typeof(IDictionary<,>)
        && property.PropertyType.GetGenericArguments() is [var keyType, var itemType]
        && keyType == typeof(string) && IsSection(itemType)
            ? itemType
            : null;

    private static bool IsSimple(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(Uri) || type == typeof(TimeSpan) || type == typeof(decimal);
    }

    private static bool IsTextList(PropertyInfo property) => property.PropertyType == typeof(IList<string>) && property.SetMethod is null;

    private static bool IsTextMap(PropertyInfo property) => property.PropertyType == typeof(IDictionary<string, string>) && property.SetMethod is null;

    private static Dictionary<string, PropertyInfo> KeysOf(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0
                && ((p.SetMethod?.IsPublic == true && (IsSimple(p.PropertyType) || IsSection(p.PropertyType))) || IsTextList(p) || IsTextMap(p) || SectionMapItemType(p) is not null))
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
}
