using Microsoft.Extensions.Logging;

namespace Llm.Stack;

/// <summary>
/// A retriever that screens the chunks an inner retriever returns before they reach a prompt: a chunk that is a prompt
/// injection or harmful content is dropped (or the call blocked, or flagged), and personal data in a chunk is replaced
/// by a label of its kind (or blocked, or flagged), as <see cref="GuardrailOptions.RetrievedInjection"/>,
/// <see cref="GuardrailOptions.RetrievedContent"/> and <see cref="GuardrailOptions.RetrievedPii"/> say.
/// </summary>
/// <remarks>
/// <para>
/// Put it under the RAG pipeline: <c>UseRetrievalAugmentation(new GuardrailRetriever(retriever, options))</c>. A
/// redacted chunk is a copy with the same id, metadata and score; dropped chunks are not replaced, so fewer than
/// <see cref="RetrievalOptions.Top"/> may come back. A blocked call throws <see cref="GuardrailViolationException"/>
/// with <see cref="GuardrailStage.RetrievedDocuments"/>, which a <see cref="GuardrailChatClient"/> above answers with
/// its refusal message when one is configured.
/// </para>
/// <para>Every decision is counted and logged like the chat client's. Safe to use concurrently, provided the inner retriever and the classifier are.</para>
/// </remarks>
public sealed class GuardrailRetriever : DelegatingRetriever
{
    private readonly GuardrailScreen _screen;

    /// <summary>Initializes a new instance of the <see cref="GuardrailRetriever"/> class.</summary>
    /// <param name="innerRetriever">The retriever whose chunks are screened.</param>
    /// <param name="options">What to check and do; <see langword="null"/> for the defaults of <see cref="GuardrailOptions"/>.</param>
    /// <param name="logger">Logs each decision (never the text); <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerRetriever"/> is <see langword="null"/>.</exception>
    public GuardrailRetriever(IRetriever innerRetriever, GuardrailOptions? options = null, ILogger? logger = null)
        : base(innerRetriever)
    {
        _screen = new GuardrailScreen(options ?? new GuardrailOptions(), logger);
    }

    /// <summary>Gets the options the retriever screens with.</summary>
    public GuardrailOptions Options => _screen.Options;

    /// <inheritdoc />
    /// <exception cref="GuardrailViolationException">A chunk holds what an action of <see cref="GuardrailAction.Block"/> blocks.</exception>
    public override async Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<RetrievedChunk> chunks = await base.RetrieveAsync(query, options, cancellationToken).ConfigureAwait(false);
        List<RetrievedChunk>? screened = null;
        for (int i = 0; i < chunks.Count; i++)
        {
            RetrievedChunk chunk = chunks[i];
            string text = chunk.Chunk.Text;
            RetrievedChunk? kept = await _screen.ScreenRetrievedAsync(text, chunk.Chunk.Id, cancellationToken).ConfigureAwait(false) switch
            {
                null => null,
                string same when ReferenceEquals(same, text) => chunk,
                string redacted => chunk with { Chunk = Copy(chunk.Chunk, redacted) },
            };

            if (screened is null && !ReferenceEquals(kept, chunk))
            {
                screened = [.. chunks.Take(i)];
            }

            if (screened is not null && kept is not null)
            {
                screened.Add(kept);
            }
        }

        return screened ?? chunks;
    }

    private static DocumentChunk Copy(DocumentChunk chunk, string text) => new(chunk.DocumentId, chunk.Ordinal, text)
    {
        Id = chunk.Id,
        TokenCount = chunk.TokenCount,
        Start = chunk.Start,
        Length = chunk.Length,
        PageNumber = chunk.PageNumber,
        SectionPath = chunk.SectionPath,
        Metadata = chunk.Metadata,
    };
}
