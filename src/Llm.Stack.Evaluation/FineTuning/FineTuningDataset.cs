using System.Text;
using System.Text.Json;

namespace Llm.Stack.Evaluation;

/// <summary>A validated, de-duplicated fine-tuning dataset split into training and validation sets; exports OpenAI chat fine-tuning JSONL.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
public sealed class FineTuningDataset
{
    internal FineTuningDataset(IReadOnlyList<FineTuningRecord> training, IReadOnlyList<FineTuningRecord> validation, int duplicatesRemoved)
    {
        Training = training;
        Validation = validation;
        DuplicatesRemoved = duplicatesRemoved;
    }

    /// <summary>Gets the training records.</summary>
    public IReadOnlyList<FineTuningRecord> Training { get; }

    /// <summary>Gets the validation records.</summary>
    public IReadOnlyList<FineTuningRecord> Validation { get; }

    /// <summary>Gets the number of duplicate examples removed.</summary>
    public int DuplicatesRemoved { get; }

    /// <summary>Gets the total tokens of the training set (per epoch).</summary>
    public long TrainingTokens => Training.Sum(r => (long)r.TokenCount);

    /// <summary>Writes records as OpenAI chat fine-tuning JSONL: one <c>{"messages":[{"role":…,"content":…},…]}</c> per line.</summary>
    /// <param name="records">The records, for example <see cref="Training"/>.</param>
    /// <param name="writer">The writer.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when everything is written.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static async Task WriteJsonlAsync(IEnumerable<FineTuningRecord> records, TextWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await writer.WriteAsync(ToJsonLine(record.Example).AsMemory(), cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync("\n".AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes <c>train.jsonl</c> and <c>validation.jsonl</c> (UTF-8, no BOM) to a directory.</summary>
    /// <param name="directory">The directory; created when missing.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when both files are written.</returns>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    public async Task WriteAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        foreach (var (name, records) in new[] { ("train.jsonl", Training), ("validation.jsonl", Validation) })
        {
            var writer = new StreamWriter(Path.Combine(directory, name), append: false, new UTF8Encoding(false));
            await using (writer.ConfigureAwait(false))
            {
                await WriteJsonlAsync(records, writer, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal static string ToJsonLine(FineTuningExample example)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("messages");
            foreach (var message in example.Messages)
            {
                json.WriteStartObject();
                json.WriteString("role", message.Role.Value);
                json.WriteString("content", message.Text);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
