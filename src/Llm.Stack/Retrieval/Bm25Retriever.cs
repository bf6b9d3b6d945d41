using System.Collections.Concurrent;
using Llm.Stack.VectorIndex;

namespace Llm.Stack;

/// <summary>Creates <see cref="Bm25Retriever{TKey}"/> instances.</summary>
public static class Bm25Retriever
{
    /// <summary>Indexes <paramref name="chunks"/> by their <see cref="DocumentChunk.Id"/> and returns a keyword retriever over them.</summary>
    /// <param name="chunks">The chunks to index; a later chunk with the same id replaces an earlier one.</param>
    /// <param name="options">The BM25 parameters and analyzer; <see langword="null"/> for the defaults.</param>
    /// <returns>A thread-safe retriever over an in-memory index of the chunks.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="chunks"/> or one of them is <see langword="null"/>.</exception>
    public static Bm25Retriever<string> FromChunks(IEnumerable<DocumentChunk> chunks, Bm25Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var index = new Bm25Index<string>(options, StringComparer.Ordinal);
        var byId = new ConcurrentDictionary<string, DocumentChunk>(StringComparer.Ordinal);
        foreach (DocumentChunk chunk in chunks)
        {
            ArgumentNullException.ThrowIfNull(chunk, nameof(chunks));
            index.Upsert(chunk.Id, chunk.Text);
            byId[chunk.Id] = chunk;
        }

        return new Bm25Retriever<string>(index, id => byId.GetValueOrDefault(id));
    }
}
