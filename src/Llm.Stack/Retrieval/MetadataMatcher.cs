namespace Llm.Stack;

/// <summary>Applies <see cref="RetrievalOptions.MetadataFilter"/> to a chunk: every key present with an equal value.</summary>
internal static class MetadataMatcher
{
    public static bool Matches(DocumentChunk chunk, IReadOnlyDictionary<string, object?> filter)
    {
        foreach ((string key, object? expected) in filter)
        {
            if (!chunk.Metadata.TryGetValue(key, out object? actual) || !ValueEquals(actual, expected))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ValueEquals(object? actual, object? expected)
    {
        if (Equals(actual, expected))
        {
            return true;
        }

        // Numbers of different types (int vs long vs double) and strings vs their text compare by value.
        return actual is not null && expected is not null &&
            string.Equals(Convert.ToString(actual, System.Globalization.CultureInfo.InvariantCulture), Convert.ToString(expected, System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }
}
