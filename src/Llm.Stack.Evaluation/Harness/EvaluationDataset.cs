using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Evaluation;

/// <summary>
/// Reads evaluation datasets in JSONL: one JSON object per line with <c>messages</c> (an array of
/// <c>{"role": "system"|"user"|"assistant", "content": "..."}</c>) or <c>prompt</c> (a string, sent as one user
/// message), the reference answers as <c>reference</c> (a string) or <c>references</c> (an array of strings), and
/// optionally <c>id</c>, <c>metadata</c> (an object whose values are kept as text), and <c>document</c> (a string) or
/// <c>documents</c> (an array of strings): the documents that hold the answer, for retrieval metrics
/// (<see cref="EvaluationDatasetItem.RelevantDocuments"/>).
/// </summary>
/// <remarks>Blank lines are skipped. The type is stateless and thread-safe.</remarks>
public static class EvaluationDataset
{
    /// <summary>Reads a JSONL dataset file.</summary>
    /// <param name="path">The file path.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The items, in file order.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FormatException">A line is not valid; the message names the line.</exception>
    public static async Task<IReadOnlyList<EvaluationDatasetItem>> LoadJsonlAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var reader = new StreamReader(path);
        return await ReadJsonlAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a JSONL dataset.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>The items, in order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException">A line is not valid, or two items share an id; the message names the line.</exception>
    public static async Task<IReadOnlyList<EvaluationDatasetItem>> ReadJsonlAsync(TextReader reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var items = new List<EvaluationDatasetItem>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var item = ParseLine(line, lineNumber);
            if (!ids.Add(item.Id))
            {
                throw new FormatException($"Line {lineNumber}: the id '{item.Id}' is used by an earlier item.");
            }

            items.Add(item);
        }

        return items;
    }

    private static EvaluationDatasetItem ParseLine(string line, int lineNumber)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Line {lineNumber}: not valid JSON ({e.Message}).", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"Line {lineNumber}: expected a JSON object.");
            }

            var id = root.TryGetProperty("id", out var idElement)
                ? idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : idElement.GetRawText()
                : "line-" + lineNumber.ToString(CultureInfo.InvariantCulture);

            var messages = new List<ChatMessage>();
            if (root.TryGetProperty("messages", out var messagesElement))
            {
                if (messagesElement.ValueKind != JsonValueKind.Array)
                {
                    throw new FormatException($"Line {lineNumber}: 'messages' must be an array.");
                }

                foreach (var message in messagesElement.EnumerateArray())
                {
                    if (message.ValueKind != JsonValueKind.Object
                        || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                        || !message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                    {
                        throw new FormatException($"Line {lineNumber}: each message needs a string 'role' and a string 'content'.");
                    }

                    messages.Add(new ChatMessage(new ChatRole(role.GetString()!), content.GetString()));
                }
            }
            else if (root.TryGetProperty("prompt", out var prompt) && prompt.ValueKind == JsonValueKind.String)
            {
                messages.Add(new ChatMessage(ChatRole.User, prompt.GetString()));
            }

            if (messages.Count == 0)
            {
                throw new FormatException($"Line {lineNumber}: the item needs a non-empty 'messages' array or a 'prompt' string.");
            }

            var references = new List<string>();
            if (root.TryGetProperty("references", out var refs))
            {
                if (refs.ValueKind != JsonValueKind.Array || refs.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
                {
                    throw new FormatException($"Line {lineNumber}: 'references' must be an array of strings.");
                }

                references.AddRange(refs.EnumerateArray().Select(r => r.GetString()!));
            }

            if (root.TryGetProperty("reference", out var single))
            {
                if (single.ValueKind != JsonValueKind.String)
                {
                    throw new FormatException($"Line {lineNumber}: 'reference' must be a string.");
                }

                references.Add(single.GetString()!);
            }

            Dictionary<string, string>? metadata = null;
            if (root.TryGetProperty("metadata", out var meta))
            {
                if (meta.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"Line {lineNumber}: 'metadata' must be an object.");
                }

                metadata = meta.EnumerateObject().ToDictionary(
                    p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal);
            }

            var documents = new List<string>();
            if (root.TryGetProperty("documents", out var docs))
            {
                if (docs.ValueKind != JsonValueKind.Array || docs.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(d.GetString())))
                {
                    throw new FormatException($"Line {lineNumber}: 'documents' must be an array of non-empty strings.");
                }

                documents.AddRange(docs.EnumerateArray().Select(d => d.GetString()!));
            }

            if (root.TryGetProperty("document", out var doc))
            {
                if (doc.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(doc.GetString()))
                {
                    throw new FormatException($"Line {lineNumber}: 'document' must be a non-empty string.");
                }

                documents.Add(doc.GetString()!);
            }

            return new EvaluationDatasetItem(id, messages, references, metadata) { RelevantDocuments = documents };
        }
    }
}
