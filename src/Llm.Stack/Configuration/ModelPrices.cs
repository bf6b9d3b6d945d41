namespace Llm.Stack;

/// <summary>The check that the price settings of <see cref="ChatModelSettings"/> and <see cref="EmbeddingModelSettings"/> share.</summary>
internal static class ModelPrices
{
    /// <summary>Returns <paramref name="value"/>, or throws naming <paramref name="paramName"/> when it is negative.</summary>
    public static decimal? Check(decimal? value, string paramName = "value")
    {
        if (value is < 0m)
        {
            throw new ArgumentOutOfRangeException(paramName, value, "A price must be zero or more.");
        }

        return value;
    }
}
