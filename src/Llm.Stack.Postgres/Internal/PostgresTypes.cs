using System.Collections;
using Npgsql;

namespace Llm.Stack.Postgres;

/// <summary>The PostgreSQL column types of .NET data and key types, and the conversions of values to and from them.</summary>
internal static class PostgresTypes
{
    internal const string SupportedDataTypes =
        "string, bool, short, int, long, float, double, decimal, Guid, DateTime, DateTimeOffset, DateOnly, TimeOnly, byte[], "
        + "their nullable forms, and arrays and lists of them (except byte[])";

    private static readonly Dictionary<Type, string> Scalars = new()
    {
        [typeof(string)] = "text",
        [typeof(bool)] = "boolean",
        [typeof(short)] = "smallint",
        [typeof(int)] = "integer",
        [typeof(long)] = "bigint",
        [typeof(float)] = "real",
        [typeof(double)] = "double precision",
        [typeof(decimal)] = "numeric",
        [typeof(Guid)] = "uuid",
        [typeof(DateTime)] = "timestamp with time zone",
        [typeof(DateTimeOffset)] = "timestamp with time zone",
        [typeof(DateOnly)] = "date",
        [typeof(TimeOnly)] = "time",
    };

    /// <summary>Gets the column type of a data or key property type.</summary>
    public static bool TryGetColumnType(Type type, out string columnType)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(byte[]))
        {
            columnType = "bytea";
            return true;
        }

        if (Scalars.TryGetValue(type, out string? scalar))
        {
            columnType = scalar;
            return true;
        }

        if (ElementType(type) is Type element && Scalars.TryGetValue(Nullable.GetUnderlyingType(element) ?? element, out string? elementColumn))
        {
            columnType = elementColumn + "[]";
            return true;
        }

        columnType = string.Empty;
        return false;
    }

    /// <summary>Gets the element type of an array or list property type, or <see langword="null"/> for a scalar.</summary>
    public static Type? ElementType(Type type)
    {
        if (type == typeof(string) || type == typeof(byte[]))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        return type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(List<>) || type.GetGenericTypeDefinition() == typeof(IList<>)
            || type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) || type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            || type.GetGenericTypeDefinition() == typeof(ICollection<>) || type.GetGenericTypeDefinition() == typeof(IReadOnlyCollection<>))
            ? type.GetGenericArguments()[0]
            : null;
    }

    /// <summary>Converts a .NET value into the form written to PostgreSQL: times in UTC, lists as arrays.</summary>
    public static object ToDatabase(object? value) => value switch
    {
        null => DBNull.Value,
        DateTime d => d.Kind switch
        {
            DateTimeKind.Local => d.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(d, DateTimeKind.Utc),
            _ => d,
        },
        DateTimeOffset o => o.ToUniversalTime(),
        string or byte[] => value,
        Array array when array.GetType().GetElementType() is Type e && (e == typeof(DateTime) || e == typeof(DateTimeOffset)) => ConvertArray(array, e),
        Array => value,
        IEnumerable sequence when ElementType(value.GetType()) is Type element => ToArray(sequence, element),
        _ => value,
    };

    /// <summary>Converts a value read from PostgreSQL into the property's type.</summary>
    public static object? FromDatabase(object value, Type propertyType)
    {
        if (value is DBNull)
        {
            return null;
        }

        Type target = Nullable.GetUnderlyingType(propertyType) ?? propertyType;
        switch (value)
        {
            case DateTime d when target == typeof(DateTimeOffset):
                return new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc));
            case Array array when ElementType(target) is Type element && !target.IsArray:
                var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element), array.Length)!;
                foreach (object? item in array)
                {
                    list.Add(FromDatabase(item ?? DBNull.Value, element));
                }

                return list;
            case Array array when target.IsArray && target != value.GetType():
                var typed = Array.CreateInstance(target.GetElementType()!, array.Length);
                for (int i = 0; i < array.Length; i++)
                {
                    typed.SetValue(FromDatabase(array.GetValue(i) ?? DBNull.Value, target.GetElementType()!), i);
                }

                return typed;
            default:
                return value.GetType() == target || target.IsInstanceOfType(value) ? value : Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Creates a parameter holding <paramref name="value"/> as PostgreSQL expects it.</summary>
    public static NpgsqlParameter Parameter(object? value) => new() { Value = ToDatabase(value) };

    private static Array ToArray(IEnumerable sequence, Type element)
    {
        var items = new List<object?>();
        foreach (object? item in sequence)
        {
            items.Add(item);
        }

        Type stored = (Nullable.GetUnderlyingType(element) ?? element) == typeof(DateTimeOffset) ? typeof(DateTimeOffset) : element;
        var array = Array.CreateInstance(stored, items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            object converted = ToDatabase(items[i]);
            array.SetValue(converted is DBNull ? null : converted, i);
        }

        return array;
    }

    private static Array ConvertArray(Array array, Type element)
    {
        var copy = Array.CreateInstance(element, array.Length);
        for (int i = 0; i < array.Length; i++)
        {
            copy.SetValue(ToDatabase(array.GetValue(i)), i);
        }

        return copy;
    }
}
