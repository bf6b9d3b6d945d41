using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Evaluation;

/// <summary>
/// Collects labelled examples, validates them, removes duplicates, counts tokens and splits them with a seed into
/// training and validation sets for OpenAI-style chat fine-tuning.
/// </summary>
/// <remarks>
/// <see cref="Build"/> checks every example and throws one <see cref="FineTuningDatasetException"/> listing every
/// problem: a role other than system, user or assistant; an empty message content; no assistant message; more tokens
/// than <see cref="FineTuningDatasetOptions.MaxTokensPerExample"/>; and, for the whole set, fewer examples than
/// <see cref="FineTuningDatasetOptions.MinimumExamples"/> after de-duplication. Not thread-safe: add from one thread.
/// </remarks>
public sealed class FineTuningDatasetBuilder
{
    private readonly Tokenizer _tokenizer;
    private readonly FineTuningDatasetOptions _options;
    private readonly List<FineTuningExample> _examples = [];

    /// <summary>Initializes a new instance of the <see cref="FineTuningDatasetBuilder"/> class.</summary>
    /// <param name="tokenizer">The tokenizer of the model to fine-tune (for example <c>TiktokenTokenizer.CreateForModel("gpt-4o")</c>).</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults. The builder keeps a copy.</param>
    /// <exception cref="ArgumentNullException"><paramref name="tokenizer"/> is <see langword="null"/>.</exception>
    public FineTuningDatasetBuilder(Tokenizer tokenizer, FineTuningDatasetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _options = options?.Clone() ?? new FineTuningDatasetOptions();
    }

    /// <summary>Gets the number of examples added.</summary>
    public int Count => _examples.Count;

    /// <summary>Adds an example.</summary>
    /// <param name="example">The example.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="example"/> is <see langword="null"/>.</exception>
    public FineTuningDatasetBuilder Add(FineTuningExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        _examples.Add(example);
        return this;
    }

    /// <summary>Adds examples.</summary>
    /// <param name="examples">The examples.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="examples"/> or one of its items is <see langword="null"/>.</exception>
    public FineTuningDatasetBuilder AddRange(IEnumerable<FineTuningExample> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        foreach (var example in examples)
        {
            Add(example);
        }

        return this;
    }

    /// <summary>Adds the examples of an OpenAI chat fine-tuning JSONL file (one <c>{"messages": [...]}</c> per line), for example to validate it.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException">A line is not a JSON object with a <c>messages</c> array of role/content objects; the message names the line.</exception>
    public async Task<FineTuningDatasetBuilder> AddJsonlAsync(TextReader reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var messages = new List<ChatMessage>();
                foreach (var m in document.RootElement.GetProperty("messages").EnumerateArray())
                {
                    var content = m.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                    messages.Add(new ChatMessage(new ChatRole(m.GetProperty("role").GetString()!), content));
                }

                Add(new FineTuningExample(messages));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
            {
                throw new FormatException($"Line {lineNumber}: expected {{\"messages\": [{{\"role\": ..., \"content\": ...}}, ...]}} ({e.Message}).", e);
            }
        }

        return this;
    }

    /// <summary>Counts the tokens of an example as OpenAI's cookbook counts chat messages: 3 per message plus its role and content, plus 3 for the reply.</summary>
    /// <param name="example">The example.</param>
    /// <returns>The token count.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="example"/> is <see langword="null"/>.</exception>
    public int CountTokens(FineTuningExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        var tokens = 3;
        foreach (var message in example.Messages)
        {
            tokens += 3 + _tokenizer.CountTokens(message.Role.Value) + _tokenizer.CountTokens(message.Text);
        }

        return tokens;
    }

    /// <summary>Validates, de-duplicates, counts and splits the examples.</summary>
    /// <returns>The dataset.</returns>
    /// <exception cref="FineTuningDatasetException">The examples do not pass validation; <see cref="FineTuningDatasetException.Issues"/> lists every problem.</exception>
    public FineTuningDataset Build()
    {
        var issues = new List<FineTuningIssue>();
        var records = new List<FineTuningRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = 0;
        for (var i = 0; i < _examples.Count; i++)
        {
            var example = _examples[i];
            var problems = Check(example);
            if (problems.Count > 0)
            {
                issues.AddRange(problems.Select(p => new FineTuningIssue(i, p)));
                continue;
            }

            if (_options.RemoveDuplicates && !seen.Add(FineTuningDataset.ToJsonLine(example)))
            {
                duplicates++;
                continue;
            }

            var tokens = CountTokens(example);
            if (tokens > _options.MaxTokensPerExample)
            {
                issues.Add(new FineTuningIssue(i, $"has {tokens} tokens, over the limit of {_options.MaxTokensPerExample}"));
                continue;
            }

            records.Add(new FineTuningRecord(example, i, tokens));
        }

        if (issues.Count == 0 && records.Count < _options.MinimumExamples)
        {
            issues.Add(new FineTuningIssue(-1, $"{records.Count} example(s) after removing {duplicates} duplicate(s), fewer than the minimum of {_options.MinimumExamples}"));
        }

        if (issues.Count > 0)
        {
            throw new FineTuningDatasetException(issues);
        }

        // Seeded Fisher-Yates shuffle, then the first part is validation; each part keeps the order of addition.
        var order = Enumerable.Range(0, records.Count).ToArray();
        var random = new Random(_options.Seed);
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var validationCount = (int)Math.Round(records.Count * _options.ValidationFraction, MidpointRounding.AwayFromZero);
        var validationSet = order.Take(validationCount).Order().ToHashSet();
        var training = records.Where((_, i) => !validationSet.Contains(i)).ToArray();
        var validation = records.Where((_, i) => validationSet.Contains(i)).ToArray();
        return new FineTuningDataset(training, validation, duplicates);
    }

    private static List<string> Check(FineTuningExample example)
    {
        var problems = new List<string>();
        if (example.Messages.Count == 0)
        {
            problems.Add("has no messages");
            return problems;
        }

        for (var m = 0; m < example.Messages.Count; m++)
        {
            var message = example.Messages[m];
            if (message.Role != ChatRole.System && message.Role != ChatRole.User && message.Role != ChatRole.Assistant)
            {
                problems.Add($"message {m} has the role '{message.Role.Value}'; expected system, user or assistant");
            }

            if (string.IsNullOrWhiteSpace(message.Text))
            {
                problems.Add($"message {m} ({message.Role.Value}) has empty content");
            }
        }

        if (!example.Messages.Any(m => m.Role == ChatRole.Assistant))
        {
            problems.Add("has no assistant message to learn from");
        }

        return problems;
    }
}
