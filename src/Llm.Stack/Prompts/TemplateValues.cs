namespace Llm.Stack;

/// <summary>
/// Decides when a rendered block can be reused: every value it printed is an immutable scalar that prints the same
/// text as the value it is compared with (strings ordinally, numbers bit for bit, dates with their kind).
/// </summary>
internal static class TemplateValues
{
    /// <summary>Gets a value indicating whether <paramref name="value"/> is immutable and prints the same text whenever it is equal.</summary>
    public static bool IsScalar(object? value) => value is null or string or bool or char or sbyte or byte or short or ushort or int or uint
        or long or ulong or float or double or Guid or DateTime or TimeSpan or DateOnly or TimeOnly or Enum;

    /// <summary>Gets a value indicating whether <paramref name="value"/> prints the same text as <paramref name="cached"/>, a scalar.</summary>
    public static bool Same(object? value, object? cached) => (value, cached) switch
    {
        (null, null) => true,
        (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
        (double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b),
        (float a, float b) => BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b),
        (DateTime a, DateTime b) => a.ToBinary() == b.ToBinary(),
        (null, _) or (_, null) => false,
        _ => value.GetType() == cached.GetType() && IsScalar(value) && value.Equals(cached),
    };
}
