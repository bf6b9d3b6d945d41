using System.Runtime.CompilerServices;

namespace Llm.Stack;

/// <summary>
/// The checks of optional text option setters, compiled into each package (<c>src/Shared</c>): the value when it is
/// <see langword="null"/> (not set) or holds text, else an <see cref="ArgumentException"/> naming the argument.
/// </summary>
internal static class OptionText
{
    /// <summary>Returns <paramref name="value"/> when it is <see langword="null"/> or not empty and not white space.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is empty or white space.</exception>
    public static string? NullOrNotBlank(string? value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (value is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, paramName);
        }

        return value;
    }
}
