using System.Runtime.CompilerServices;

namespace Llm.Stack;

/// <summary>
/// The range checks of option setters, compiled into each package (<c>src/Shared</c>): the value when it is in range,
/// else an <see cref="ArgumentOutOfRangeException"/> naming the argument, the value and the allowed range.
/// </summary>
internal static class OptionRange
{
    /// <summary>Returns <paramref name="value"/> when it is from <paramref name="min"/> to <paramref name="max"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is outside the range.</exception>
    public static int Check(int value, int min, int max = int.MaxValue, [CallerArgumentExpression(nameof(value))] string? paramName = null) =>
        value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(paramName, value, Describe(min, max, int.MaxValue));

    /// <summary>Returns <paramref name="value"/> when it is from <paramref name="min"/> to <paramref name="max"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is outside the range.</exception>
    public static long Check(long value, long min, long max = long.MaxValue, [CallerArgumentExpression(nameof(value))] string? paramName = null) =>
        value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(paramName, value, Describe(min, max, long.MaxValue));

    /// <summary>Returns <paramref name="value"/> when it is a number from <paramref name="min"/> to <paramref name="max"/> (NaN is not).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or outside the range.</exception>
    public static double Check(double value, double min, double max = double.PositiveInfinity, [CallerArgumentExpression(nameof(value))] string? paramName = null) =>
        value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(paramName, value, Describe(min, max, double.PositiveInfinity));

    /// <summary>Returns <paramref name="value"/> when it is from <paramref name="min"/> to <paramref name="max"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is outside the range.</exception>
    public static TimeSpan Check(TimeSpan value, TimeSpan min, TimeSpan max, [CallerArgumentExpression(nameof(value))] string? paramName = null) =>
        value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(paramName, value, Describe(min, max, TimeSpan.MaxValue));

    private static string Describe<T>(T min, T max, T unbounded)
        where T : IEquatable<T> =>
        max.Equals(unbounded) ? $"Must be at least {min}." : $"Must be from {min} to {max}.";
}
