using Microsoft.Extensions.AI;

namespace Llm.Stack.Evaluation;

/// <summary>One example of an evaluation dataset: the conversation to send, the reference answers and optional metadata.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class EvaluationDatasetItem
{
    /// <summary>Initializes a new instance of the <see cref="EvaluationDatasetItem"/> class.</summary>
    /// <param name="id">A unique id within the dataset (used to resume runs).</param>
    /// <param name="messages">The messages to send to the model; at least one.</param>
    /// <param name="references">The reference answers; may be empty, then the reference-based metrics have no value.</param>
    /// <param name="metadata">Optional metadata, reported as is.</param>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="metadata"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty or <paramref name="messages"/> is empty.</exception>
    public EvaluationDatasetItem(string id, IEnumerable<ChatMessage> messages, IEnumerable<string> references, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(references);
        Id = id;
        Messages = [.. messages];
        if (Messages.Count == 0)
        {
            throw new ArgumentException("An item needs at least one message.", nameof(messages));
        }

        References = [.. references];
        Metadata = metadata ?? new Dictionary<string, string>();
    }

    /// <summary>Gets the id of the item.</summary>
    public string Id { get; }

    /// <summary>Gets the messages to send.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; }

    /// <summary>Gets the reference answers.</summary>
    public IReadOnlyList<string> References { get; }

    /// <summary>Gets the ids of the documents that hold the answer, for retrieval metrics (<c>hit@k</c>); empty when not given.</summary>
    /// <value>Document ids as the index knows them, or their file names with or without the extension (<c>iceland</c> matches <c>docs/iceland.md</c>). The default value is empty.</value>
    public IReadOnlyList<string> RelevantDocuments { get; init; } = [];

    /// <summary>Gets the metadata of the item.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
}
