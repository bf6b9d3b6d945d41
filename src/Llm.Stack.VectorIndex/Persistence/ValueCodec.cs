using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// Writes and reads the data values a snapshot can hold: null, the primitive types, <see cref="string"/>,
/// <see cref="decimal"/>, <see cref="Guid"/>, <see cref="DateTime"/>, <see cref="DateTimeOffset"/>, their nullable forms,
/// and arrays and <see cref="List{T}"/> of them. Types are identified by a whitelist, never loaded by name.
/// </summary>
internal static class ValueCodec
{
    private static readonly Type[] Scalars =
    [
        typeof(bool), typeof(byte), typeof(short), typeof(int), typeof(long), typeof(float), typeof(double),
        typeof(decimal), typeof(string), typeof(Guid), typeof(DateTime), typeof(DateTimeOffset), typeof(char),
        typeof(sbyte), typeof(ushort), typeof(uint), typeof(ulong),
    ];

    private static readonly Dictionary<string, Type> KnownTypes = BuildKnownTypes();

    public static bool IsSupported(Type type) => KnownTypes.ContainsKey(Name(type));

    public static string Name(Type type) => type.FullName ?? type.Name;

    public static Type Resolve(string name)
        => KnownTypes.TryGetValue(name, out Type? type) ? type : throw new InvalidDataException($"Corrupt snapshot: unknown property type '{name}'.");

    public static void Write(BinaryWriter writer, object? value, Type declared)
    {
        if (value is null)
        {
            writer.Write((byte)0);
            return;
        }

        writer.Write((byte)1);
        Type type = Nullable.GetUnderlyingType(declared) ?? declared;
        if (type.IsArray || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>)))
        {
            Type element = type.IsArray ? type.GetElementType()! : type.GetGenericArguments()[0];
            var list = (IList)value;
            writer.Write(list.Count);
            foreach (object? item in list)
            {
                Write(writer, item, element);
            }

            return;
        }

        WriteScalar(writer, value, type);
    }

    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof(List<>))]
    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = "The type is List<T> of a whitelisted scalar (KnownTypes), and the DynamicDependency keeps List<T>'s public constructors.")]
    public static object? Read(BinaryReader reader, Type declared)
    {
        byte marker = reader.ReadByte();
        if (marker == 0)
        {
            return null;
        }

        if (marker != 1)
        {
            throw new InvalidDataException($"Corrupt snapshot: invalid value marker {marker}.");
        }

        Type type = Nullable.GetUnderlyingType(declared) ?? declared;
        if (type.IsArray || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>)))
        {
            Type element = type.IsArray ? type.GetElementType()! : type.GetGenericArguments()[0];
            int count = reader.ReadInt32();
            if (count is < 0 or > 1 << 28)
            {
                throw new InvalidDataException($"Corrupt snapshot: invalid list length {count}.");
            }

            IList list = type.IsArray ? Array.CreateInstance(element, count) : (IList)Activator.CreateInstance(type, count)!;
            for (int i = 0; i < count; i++)
            {
                object? item = Read(reader, element);
                if (type.IsArray)
                {
                    list[i] = item;
                }
                else
                {
                    _ = list.Add(item);
                }
            }

            return list;
        }

        return ReadScalar(reader, type);
    }

    private static void WriteScalar(BinaryWriter w, object value, Type type)
    {
        switch (value)
        {
            case bool v: w.Write(v); break;
            case byte v: w.Write(v); break;
            case sbyte v: w.Write(v); break;
            case short v: w.Write(v); break;
            case ushort v: w.Write(v); break;
            case int v: w.Write(v); break;
            case uint v: w.Write(v); break;
            case long v: w.Write(v); break;
            case ulong v: w.Write(v); break;
            case float v: w.Write(v); break;
            case double v: w.Write(v); break;
            case decimal v: w.Write(v); break;
            case char v: w.Write((ushort)v); break;
            case string v: w.Write(v); break;
            case Guid v: w.Write(v.ToByteArray()); break;
            case DateTime v: w.Write(v.ToBinary()); break;
            case DateTimeOffset v:
                w.Write(v.Ticks);
                w.Write((short)v.Offset.TotalMinutes);
                break;
            default:
                throw new NotSupportedException($"Values of type '{value.GetType().Name}' (declared '{type.Name}') cannot be saved in a snapshot.");
        }
    }

    private static object ReadScalar(BinaryReader r, Type type)
    {
        if (type == typeof(bool)) { return r.ReadBoolean(); }
        if (type == typeof(byte)) { return r.ReadByte(); }
        if (type == typeof(sbyte)) { return r.ReadSByte(); }
        if (type == typeof(short)) { return r.ReadInt16(); }
        if (type == typeof(ushort)) { return r.ReadUInt16(); }
        if (type == typeof(int)) { return r.ReadInt32(); }
        if (type == typeof(uint)) { return r.ReadUInt32(); }
        if (type == typeof(long)) { return r.ReadInt64(); }
        if (type == typeof(ulong)) { return r.ReadUInt64(); }
        if (type == typeof(float)) { return r.ReadSingle(); }
        if (type == typeof(double)) { return r.ReadDouble(); }
        if (type == typeof(decimal)) { return r.ReadDecimal(); }
        if (type == typeof(char)) { return (char)r.ReadUInt16(); }
        if (type == typeof(string)) { return r.ReadString(); }
        if (type == typeof(Guid)) { return new Guid(r.ReadBytes(16)); }
        if (type == typeof(DateTime)) { return DateTime.FromBinary(r.ReadInt64()); }
        if (type == typeof(DateTimeOffset))
        {
            long ticks = r.ReadInt64();
            return new DateTimeOffset(ticks, TimeSpan.FromMinutes(r.ReadInt16()));
        }

        throw new InvalidDataException($"Corrupt snapshot: unsupported value type '{type.Name}'.");
    }

    private static Dictionary<string, Type> BuildKnownTypes()
    {
        var types = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (Type scalar in Scalars)
        {
            var forms = new List<Type> { scalar };
            if (scalar.IsValueType)
            {
                forms.Add(typeof(Nullable<>).MakeGenericType(scalar));
            }

            foreach (Type form in forms)
            {
                types[Name(form)] = form;
                types[Name(form.MakeArrayType())] = form.MakeArrayType();
                Type list = typeof(List<>).MakeGenericType(form);
                types[Name(list)] = list;
            }
        }

        return types;
    }
}
