using System.Globalization;
using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>Ready-made sources of query variants for <see cref="HybridRetrieverOptions.QueryVariants"/>.</summary>
public static class QueryVariants
{
    /// <summary>Asks a chat model for <paramref name="count"/> differently worded versions of the query (multi-query retrieval).</summary>
    /// <param name="chatClient">The chat model.</param>
    /// <param name="count">The number of variants to ask for.</param>
    /// <returns>A variant source; it returns no variants when the model's reply has none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="chatClient"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is zero or negative.</exception>
    /// <remarks>The returned delegate is thread-safe when the chat client is.</remarks>
    public static Func<string, CancellationToken, Task<IReadOnlyList<string>>> FromChatClient(IChatClient chatClient, int count = 3)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        string instructions = string.Create(CultureInfo.InvariantCulture,
            $"Write {count} different search queries that would find documents answering the user's question. Use other words and synonyms. Reply with one query per line and nothing else.");
        return async (query, cancellationToken) =>
        {
            ChatResponse response = await chatClient.GetResponseAsync(
                [new ChatMessage(ChatRole.System, instructions), new ChatMessage(ChatRole.User, query)],
                new ChatOptions { Temperature = 0 },
                cancellationToken).ConfigureAwait(false);
            return response.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(l => l.TrimStart('-', '*', ' ', '.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ')').Trim())
                .Where(l => l.Length > 0)
                .Take(count)
                .ToList();
        };
    }
}
