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

    /// <summary>Returns <paramref name="value"/> when it is from <paramref name="min"/> to <paramref name="max"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is outside the range.</exception>
    public static decimal Check(decimal value, decimal min, decimal max = decimal.MaxValue, [CallerArgumentExpression(nameof(value))] string? paramName = null) =>
        value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(paramName, value, Describe(min, max, decimal.MaxValue));

    /// <summary>Returns <paramref name="value"/> when it is <see langword="null"/> or from <paramref name="min"/> to <paramref name="max"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is outside the range.</exception>
    public static int? Check(int? value, int min, int max = int.MaxValue, [CallerArgumentExpression(nameof(value))] string? paramName = null) =>
        value is int given ? Check(given, min, max, paramName) : null;

    /// <summary>Returns <paramref name="value"/> when it is <see langword="null"/> or from <paramref name="min"/> to <paramref name="max"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is outside the range.</exception>
    public static long? Check(long? value, long min, long max = long.MaxValue, [CallerArgumentExpression(nameof(value))] string? paramName = null) =>
        value is long given ? Check(given, min, max, paramName) : null;

    /// <summary>Returns <paramref name="value"/> when it is <see langword="null"/> or a number from <paramref name="min"/> to <paramref name="max"/> (NaN is not).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or outside the range.</exception>
    public static double? Check(double? value, double min, double max = double.PositiveInfinity, [CallerArgumentExpression(nameof(value))] string? paramName = null) =>
        value is double given ? Check(given, min, max, paramName) : null;

    /// <summary>Returns <paramref name="value"/> when it is <see langword="null"/> or from <paramref name="min"/> to <paramref name="max"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is outside the range.</exception>
    public static decimal? Check(decimal? value, decimal min, decimal max = decimal.MaxValue, [CallerArgumentExpression(nameof(value))] string? paramName = null) =>
        value is decimal given ? Check(given, min, max, paramName) : null;

    /// <summary>Returns <paramref name="value"/> when it is above <paramref name="bound"/> and at most <paramref name="max"/> (NaN is not).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN, at most <paramref name="bound"/>, or above <paramref name="max"/>.</exception>
    public static double CheckAbove(double value, double bound, double max = double.PositiveInfinity, [CallerArgumentExpression(nameof(value))] string? paramName = null) =>
        value > bound && value <= max ? value : throw new ArgumentOutOfRangeException(paramName, value, DescribeAbove(bound, max, double.PositiveInfinity));

    /// <summary>Returns <paramref name="value"/> when it is <see langword="null"/> or above <paramref name="bound"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is at most <paramref name="bound"/>.</exception>
    public static decimal? CheckAbove(decimal? value, decimal bound, [CallerArgumentExpression(nameof(value))] string? paramName = null) =>
        value is not decimal given || given > bound ? value : throw new ArgumentOutOfRangeException(paramName, value, DescribeAbove(bound, decimal.MaxValue, decimal.MaxValue));

    /// <summary>Returns <paramref name="value"/> when it is above <paramref name="bound"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is at most <paramref name="bound"/>.</exception>
    public static TimeSpan CheckAbove(TimeSpan value, TimeSpan bound, [CallerArgumentExpression(nameof(value))] string? paramName = null) =>
        value > bound ? value : throw new ArgumentOutOfRangeException(paramName, value, DescribeAbove(bound, TimeSpan.MaxValue, TimeSpan.MaxValue));

    private static string DescribeAbove<T>(T bound, T max, T unbounded)
        where T : IEquatable<T> =>
        max.Equals(unbounded) ? $"Must be above {bound}." : $"Must be above {bound} and at most {max}.";

    private static string Describe<T>(T min, T max, T unbounded)
        where T : IEquatable<T> =>
        max.Equals(unbounded) ? $"Must be at least {min}." : $"Must be from {min} to {max}.";
}
