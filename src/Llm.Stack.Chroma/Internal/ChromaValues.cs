using System.Globalization;
using System.Text.Json;

namespace Llm.Stack.Chroma;

/// <summary>
/// .NET values as Chroma metadata values (string, bool, int, float) and back. Integers are Chroma ints; floating-point
/// numbers are always written with a fraction or exponent, so that Chroma keeps them floats; <see cref="DateTime"/> and
/// <see cref="DateTimeOffset"/> are their UTC ticks (ordered, exact); a <see cref="Guid"/> is its "D" text. A list or
/// array is its JSON text under the property's own key, plus one <c>true</c> flag per distinct element
/// (<see cref="MemberKey"/>) that <c>Contains</c> filters match; a null value is a <c>true</c> flag under
/// <see cref="NullKey"/> (Chroma has no null, and no test for a missing key).
/// </summary>
internal static class ChromaValues
{
    public const string SupportedDataTypes = "string, bool, int, long, short, byte, double, float, DateTime, DateTimeOffset, Guid (and their nullable forms), and arrays or List<T> of string, bool, int, long, double or float";

    /// <summary>The key of a property's null flag.</summary>
    public static string NullKey(string storageName) => storageName + "#null";

    /// <summary>The key of the flag that a list property holds <paramref name="element"/>.</summary>
    public static string MemberKey(string storageName, object? element) => element switch
    {
        null => storageName + "#hasnull",
        string s => storageName + "#has:" + s,
        bool b => storageName + (b ? "#has:true" : "#has:false"),
        double d => storageName + "#has:" + d.ToString("R", CultureInfo.InvariantCulture),
        float f => storageName + "#has:" + ((double)f).ToString("R", CultureInfo.InvariantCulture),
        IConvertible c => storageName + "#has:" + c.ToString(CultureInfo.InvariantCulture),
        _ => throw new NotSupportedException($"A list of '{element.GetType().Name}' cannot be filtered by the Chroma vector store."),
    };

    public static bool IsSupported(Type type)
        => IsScalar(Nullable.GetUnderlyingType(type) ?? type) || (ElementType(type) is Type element && IsScalarElement(element));

    /// <summary>Whether the property can hold null (a reference type or <see cref="Nullable{T}"/>).</summary>
    public static bool IsNullable(Type type) => !type.IsValueType || Nullable.GetUnderlyingType(type) is not null;

    /// <summary>The element type of an array or <see cref="List{T}"/> property, or <see langword="null"/>.</summary>
    public static Type? ElementType(Type type)
        => type == typeof(string) ? null
        : type.IsArray ? type.GetElementType()
        : type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(List<>) || type.GetGenericTypeDefinition() == typeof(IList<>) || type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) || type.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            ? type.GetGenericArguments()[0]
            : null;

    /// <summary>Writes a scalar value (a property's or a filter's) as a Chroma metadata value.</summary>
    /// <exception cref="ArgumentException">The value is a NaN or infinite number (JSON has none).</exception>
    /// <exception cref="NotSupportedException">The value's type has no Chroma form.</exception>
    public static void WriteScalar(Utf8JsonWriter writer, object value, string what)
    {
        switch (value)
        {
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int or long or short or byte or sbyte or ushort or uint:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double or float:
                double d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (!double.IsFinite(d))
                {
                    throw new ArgumentException($"{what} is {d}, which Chroma cannot store (JSON has no NaN or infinity).");
                }

                string text = d.ToString("R", CultureInfo.InvariantCulture);
                writer.WriteRawValue(text.AsSpan().IndexOfAny('.', 'E', 'e') >= 0 ? text : text + ".0", skipInputValidation: true);
                break;
            case DateTime t:
                writer.WriteNumberValue(ToUtc(t).Ticks);
                break;
            case DateTimeOffset o:
                writer.WriteNumberValue(o.UtcTicks);
                break;
            case Guid g:
                writer.WriteStringValue(g.ToString("D"));
                break;
            default:
                throw new NotSupportedException($"{what} has type '{value.GetType().Name}', which the Chroma vector store does not store; supported: {SupportedDataTypes}.");
        }
    }

    /// <summary>Writes a data property's value into a record's metadata: for null, a null value (which removes the key from a stored record) and the null flag.</summary>
    public static void WriteProperty(Utf8JsonWriter writer, string storageName, Type type, object? value, string what)
    {
        // Explicit nulls: an upsert of an existing record merges metadata in Chroma, and null removes a key.
        if (value is null)
        {
            if (IsNullable(type))
            {
                writer.WriteNull(storageName);
                writer.WriteBoolean(NullKey(storageName), true);
            }

            return;
        }

        if (IsNullable(type))
        {
            writer.WriteNull(NullKey(storageName));
        }

        if (ElementType(type) is null)
        {
            writer.WritePropertyName(storageName);
            WriteScalar(writer, value, what);
            return;
        }

        var elements = ((System.Collections.IEnumerable)value).Cast<object?>().ToList();
        var text = new System.Buffers.ArrayBufferWriter<byte>();
        using (var list = new Utf8JsonWriter(text))
        {
            list.WriteStartArray();
            foreach (object? element in elements)
            {
                if (element is null)
                {
                    list.WriteNullValue();
                }
                else
                {
                    WriteScalar(list, element, what);
                }
            }

            list.WriteEndArray();
        }

        writer.WriteString(storageName, text.WrittenSpan);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (object? element in elements)
        {
            string key = MemberKey(storageName, element);
            if (seen.Add(key))
            {
                writer.WriteBoolean(key, true);
            }
        }
    }

    /// <summary>Reads a property's value from a record's metadata; an absent key is null (or the type's default).</summary>
    public static object? ReadProperty(JsonElement metadata, string storageName, Type type)
    {
        if (metadata.ValueKind != JsonValueKind.Object || !metadata.TryGetProperty(storageName, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return type.IsValueType && Nullable.GetUnderlyingType(type) is null ? Activator.CreateInstance(type) : null;
        }

        if (ElementType(type) is not Type elementType)
        {
            return ReadScalar(value, Nullable.GetUnderlyingType(type) ?? type);
        }

        using JsonDocument document = JsonDocument.Parse(value.GetString()!);
        int count = document.RootElement.GetArrayLength();
        Array array = Array.CreateInstance(elementType, count);
        int i = 0;
        foreach (JsonElement element in document.RootElement.EnumerateArray())
        {
            array.SetValue(element.ValueKind == JsonValueKind.Null ? null : ReadScalar(element, Nullable.GetUnderlyingType(elementType) ?? elementType), i++);
        }

        if (type.IsArray)
        {
            return array;
        }

        var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elementType), count)!;
        foreach (object? item in array)
        {
            _ = list.Add(item);
        }

        return list;
    }

    /// <summary>A value of a supported scalar type from its Chroma form.</summary>
    public static object ReadScalar(JsonElement value, Type type)
        => type == typeof(string) ? value.GetString()!
        : type == typeof(bool) ? value.GetBoolean()
        : type == typeof(int) ? value.GetInt32()
        : type == typeof(long) ? value.GetInt64()
        : type == typeof(short) ? value.GetInt16()
        : type == typeof(byte) ? value.GetByte()
        : type == typeof(double) ? value.GetDouble()
        : type == typeof(float) ? (float)value.GetDouble()
        : type == typeof(DateTime) ? new DateTime(value.GetInt64(), DateTimeKind.Utc)
        : type == typeof(DateTimeOffset) ? new DateTimeOffset(value.GetInt64(), TimeSpan.Zero)
        : type == typeof(Guid) ? Guid.Parse(value.GetString()!)
        : throw new NotSupportedException($"Type '{type.Name}' is not stored by the Chroma vector store.");

    private static bool IsScalar(Type type)
        => type == typeof(string) || type == typeof(bool) || type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte)
        || type == typeof(double) || type == typeof(float) || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid);

    private static bool IsScalarElement(Type type)
        => type == typeof(string) || type == typeof(bool) || type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(float);

    private static DateTime ToUtc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Local => t.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        _ => t,
    };
}
