using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>
/// Marks an embedding request as a search query or as a document to be stored, through
/// <see cref="EmbeddingGenerationOptions.AdditionalProperties"/>, so that middleware that treats them differently (an
/// embedding adapter applied to queries only, a model that expects a query prefix) can tell them apart.
/// </summary>
/// <remarks>
/// Llm.Stack's retrievers and its in-memory store mark the queries they embed; ingestion embeds documents without a
/// mark, and a request without a mark counts as a document. Generators that do not know the property ignore it: it is
/// never sent to a provider. All members are thread-safe.
/// </remarks>
public static class EmbeddingPurpose
{
    /// <summary>The key under <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> that holds the purpose.</summary>
    public const string PropertyName = "llm_stack.embedding_purpose";

    /// <summary>The value that marks a search query.</summary>
    public const string Query = "query";

    /// <summary>The value that marks a document (or a chunk of one) to be stored.</summary>
    public const string Document = "document";

    /// <summary>Returns options that mark the request as a search query, copying <paramref name="options"/> when given.</summary>
    /// <param name="options">Options to copy; <see langword="null"/> to start from empty options.</param>
    /// <returns>A new options instance; <paramref name="options"/> is not modified.</returns>
    public static EmbeddingGenerationOptions ForQuery(EmbeddingGenerationOptions? options = null)
    {
        EmbeddingGenerationOptions result = options?.Clone() ?? new EmbeddingGenerationOptions();
        result.AdditionalProperties = result.AdditionalProperties is { } properties ? new AdditionalPropertiesDictionary(properties) : [];
        result.AdditionalProperties[PropertyName] = Query;
        return result;
    }

    /// <summary>Gets whether <paramref name="options"/> mark the request as a search query.</summary>
    /// <param name="options">The request's options; <see langword="null"/> counts as a document.</param>
    /// <returns><see langword="true"/> when the purpose is <see cref="Query"/>.</returns>
    public static bool IsQuery(EmbeddingGenerationOptions? options) =>
        options?.AdditionalProperties is { } properties
        && properties.TryGetValue(PropertyName, out object? value)
        && value is string purpose
        && string.Equals(purpose, Query, StringComparison.OrdinalIgnoreCase);
}
