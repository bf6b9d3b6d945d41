namespace Llm.Stack;

/// <summary>The check that the price settings of <see cref="ChatModelSettings"/> and <see cref="EmbeddingModelSettings"/> share.</summary>
internal static class ModelPrices
{
    /// <summary>Returns <paramref name="value"/>, or throws when it is negative.</summary>
    public static decimal? Check(decimal? value)
    {
        if (value is < 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A price must be zero or more.");
        }

        return value;
    }
}
