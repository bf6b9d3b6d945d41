using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Llm.Stack;

/// <summary>The checks the guardrail chat client and retriever share: injection verdicts, replacement of matches, and the record of each decision (Meter and log).</summary>
internal sealed class GuardrailScreen
{
    private static readonly string[] s_stages = ["input", "retrieved_documents", "output", "tool_results"];
    private static readonly string[] s_actions = ["allow", "flag", "redact", "strip", "block", "repair"];
    private static readonly string[] s_decisions = ["allowed", "flagged", "redacted", "stripped", "blocked", "repaired"];
    private static readonly string[] s_categories = ["personal_data", "prompt_injection", "invalid_output", "refusal", "harmful_content"];
    private static readonly string[] s_signals = ["ignore_instructions", "role_impersonation", "prompt_extraction", "delimiter_spoofing", "invisible_characters", "encoded_payload"];

    /// <summary>The value of <see cref="TelemetryTags.GuardrailKind"/> when the classifier, not the detector, found an injection.</summary>
    public const string ClassifierKind = "classifier";

    public GuardrailScreen(GuardrailOptions options, ILogger? logger)
    {
        Options = options;
        Logger = logger ?? NullLogger.Instance;
    }

    public GuardrailOptions Options { get; }

    public ILogger Logger { get; }

    /// <summary>Decides whether <paramref name="text"/> is an injection: the detector, then (when it lets the text through) the classifier.</summary>
    /// <returns>The kind of the verdict (the strongest signal, or <see cref="ClassifierKind"/>) and the signals to strip; <see langword="null"/> for no injection.</returns>
    public async ValueTask<(string Kind, IReadOnlyList<InjectionSignal> Signals)?> AssessAsync(string text, GuardrailStage stage, CancellationToken cancellationToken)
    {
        InjectionAssessment assessment = Options.InjectionDetector.Assess(text);
        if (assessment.IsInjection)
        {
            InjectionSignal strongest = assessment.Signals.MaxBy(s => s.Weight);
            return (s_signals[(int)strongest.Kind], assessment.Signals);
        }

        if (Options.InjectionClassifier is { } classifier && await classifier.IsInjectionAsync(text, stage, cancellationToken).ConfigureAwait(false))
        {
            return (ClassifierKind, []);
        }

        return null;
    }

    /// <summary>
    /// Checks a stretch of the model's answer for prompt injection with <paramref name="action"/>
    /// (<see cref="GuardrailOptions.OutputInjection"/>): records what it finds, and returns the text to let out (the
    /// signals cut for <see cref="GuardrailAction.Strip"/>) or the violation for <see cref="GuardrailAction.Block"/>.
    /// </summary>
    public async ValueTask<(string Text, GuardrailViolationException? Blocked)> CheckOutputInjectionAsync(string text, GuardrailAction action, CancellationToken cancellationToken)
    {
        if (text.Length == 0 || await AssessAsync(text, GuardrailStage.Output, cancellationToken).ConfigureAwait(false) is not { } injection)
        {
            return (text, null);
        }

        Record(GuardrailStage.Output, GuardrailCategory.PromptInjection, injection.Kind, action, 1);
        return action switch
        {
            GuardrailAction.Block => (string.Empty, new GuardrailViolationException(GuardrailCategory.PromptInjection, GuardrailStage.Output)),
            GuardrailAction.Strip => (injection.Kind == ClassifierKind ? string.Empty : Strip(text, injection.Signals), null),
            _ => (text, null),
        };
    }

    /// <summary>
    /// Screens one retrieved text before it reaches a prompt, as <see cref="GuardrailOptions.RetrievedInjection"/>,
    /// <see cref="GuardrailOptions.RetrievedContent"/> and <see cref="GuardrailOptions.RetrievedPii"/> say: records each
    /// decision (the log names <paramref name="chunkId"/>, never the text).
    /// </summary>
    /// <returns>The text to keep (the same instance when nothing changed, personal data replaced by labels for <see cref="GuardrailAction.Redact"/>); <see langword="null"/> to drop it.</returns>
    /// <exception cref="GuardrailViolationException">An action of <see cref="GuardrailAction.Block"/> blocks the text.</exception>
    public async ValueTask<string?> ScreenRetrievedAsync(string text, string chunkId, CancellationToken cancellationToken)
    {
        GuardrailOptions options = Options;
        if (options.RetrievedInjection != GuardrailAction.Allow
            && await AssessAsync(text, GuardrailStage.RetrievedDocuments, cancellationToken).ConfigureAwait(false) is { } injection)
        {
            Record(GuardrailStage.RetrievedDocuments, GuardrailCategory.PromptInjection, injection.Kind, options.RetrievedInjection, 1);
            if (options.RetrievedInjection == GuardrailAction.Block)
            {
                throw new GuardrailViolationException(GuardrailCategory.PromptInjection, GuardrailStage.RetrievedDocuments);
            }

            if (options.RetrievedInjection == GuardrailAction.Strip)
            {
                GuardrailLog.ChunkDropped(Logger, chunkId, injection.Kind);
                return null;
            }
        }

        if (options.RetrievedContent != GuardrailAction.Allow)
        {
            ContentClassification classification = await ClassifyAsync(text, GuardrailStage.RetrievedDocuments, cancellationToken).ConfigureAwait(false);
            if (classification.IsFlagged)
            {
                RecordContent(GuardrailStage.RetrievedDocuments, options.RetrievedContent, classification);
                if (options.RetrievedContent == GuardrailAction.Block)
                {
                    throw ContentViolation(GuardrailStage.RetrievedDocuments, classification);
                }

                if (options.RetrievedContent == GuardrailAction.Strip)
                {
                    GuardrailLog.ChunkDropped(Logger, chunkId, ContentClassification.TagValue(classification.Categories[0]));
                    return null;
                }
            }
        }

        if (options.RetrievedPii != GuardrailAction.Allow && options.PiiDetector.Detect(text) is { Count: > 0 } found)
        {
            RecordPii(GuardrailStage.RetrievedDocuments, options.RetrievedPii, found);
            if (options.RetrievedPii == GuardrailAction.Block)
            {
                throw new GuardrailViolationException(GuardrailCategory.PersonalData, GuardrailStage.RetrievedDocuments);
            }

            if (options.RetrievedPii == GuardrailAction.Redact)
            {
                return Replace(text, found, static (m, _) => PiiLabels.Label(m.Kind));
            }
        }

        return text;
    }

    /// <summary>Classifies <paramref name="text"/> under the content policy, with the configured classifier or the English baseline.</summary>
    public ValueTask<ContentClassification> ClassifyAsync(string text, GuardrailStage stage, CancellationToken cancellationToken) =>
        (Options.ContentClassifier ?? EnglishContentClassifier.Default).ClassifyAsync(text, stage, cancellationToken);

    /// <summary>Counts and logs each category of <paramref name="classification"/> once.</summary>
    public void RecordContent(GuardrailStage stage, GuardrailAction action, ContentClassification classification)
    {
        foreach (ContentCategory category in classification.Categories)
        {
            Record(stage, GuardrailCategory.HarmfulContent, ContentClassification.TagValue(category), action, 1);
        }
    }

    /// <summary>The exception that blocks a call for <paramref name="classification"/>: its details name the categories.</summary>
    public static GuardrailViolationException ContentViolation(GuardrailStage stage, ContentClassification classification) =>
        new(GuardrailCategory.HarmfulContent, stage, [.. classification.Categories.Select(ContentClassification.TagValue)]);

    /// <summary>Counts a decision on the Meter and logs it (without content).</summary>
    public void Record(GuardrailStage stage, GuardrailCategory category, string kind, GuardrailAction action, long count) =>
        Record(Logger, stage, category, kind, action, count);

    /// <summary>Counts a decision on the Meter and logs it to <paramref name="logger"/> (without content); for layers that have no options of their own to screen with.</summary>
    public static void Record(ILogger logger, GuardrailStage stage, GuardrailCategory category, string kind, GuardrailAction action, long count)
    {
        Counter<long> counter = LlmStackTelemetry.GuardrailDecisions;
        if (counter.Enabled)
        {
            counter.Add(
                count,
                new KeyValuePair<string, object?>(TelemetryTags.GuardrailStage, s_stages[(int)stage]),
                new KeyValuePair<string, object?>(TelemetryTags.GuardrailAction, s_actions[(int)action]),
                new KeyValuePair<string, object?>(TelemetryTags.GuardrailCategory, s_categories[(int)category]),
                new KeyValuePair<string, object?>(TelemetryTags.GuardrailKind, kind));
        }

        if (action != GuardrailAction.Allow && InteractionContext.Current is { } interaction)
        {
            InteractionLog.AddDecision(interaction, Decision(action, category, stage, kind));
        }

        LogLevel level = action switch
        {
            GuardrailAction.Block => LogLevel.Warning,
            GuardrailAction.Flag => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        if (logger.IsEnabled(level))
        {
            GuardrailLog.Decision(logger, level, s_stages[(int)stage], count, s_categories[(int)category], kind, s_actions[(int)action]);
        }
    }

    /// <summary>How a decision is written in <see cref="InteractionRecord.GuardrailDecisions"/>: <c>redacted:personal_data:input:email</c>, or without the kind when it is not known.</summary>
    public static string Decision(GuardrailAction action, GuardrailCategory category, GuardrailStage stage, string? kind) =>
        kind is null
            ? $"{s_decisions[(int)action]}:{s_categories[(int)category]}:{s_stages[(int)stage]}"
            : $"{s_decisions[(int)action]}:{s_categories[(int)category]}:{s_stages[(int)stage]}:{kind}";

    /// <summary>The name of <paramref name="category"/> in telemetry and decisions, such as <c>prompt_injection</c>.</summary>
    public static string CategoryName(GuardrailCategory category) => s_categories[(int)category];

    /// <summary>Counts the matches of each kind once.</summary>
    public void RecordPii(GuardrailStage stage, GuardrailAction action, IReadOnlyList<PiiMatch> matches)
    {
        Span<int> counts = stackalloc int[PiiLabels.KindCount];
        foreach (PiiMatch match in matches)
        {
            counts[(int)match.Kind]++;
        }

        for (int kind = 0; kind < counts.Length; kind++)
        {
            if (counts[kind] > 0)
            {
                Record(stage, GuardrailCategory.PersonalData, PiiLabels.TagValue((PiiKind)kind), action, counts[kind]);
            }
        }
    }

    /// <summary>Replaces each match (in text order, none overlapping) by what <paramref name="replacement"/> gives for it.</summary>
    public static string Replace(string text, IReadOnlyList<PiiMatch> matches, Func<PiiMatch, string, string> replacement)
    {
        var result = new StringBuilder(text.Length + (matches.Count * 8));
        int copied = 0;
        foreach (PiiMatch match in matches)
        {
            result.Append(text, copied, match.Start - copied).Append(replacement(match, text.Substring(match.Start, match.Length)));
            copied = match.End;
        }

        return result.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>Removes the text of the injection signals (merging overlaps).</summary>
    public static string Strip(string text, IReadOnlyList<InjectionSignal> signals)
    {
        if (signals.Count == 0)
        {
            return string.Empty;
        }

        var result = new StringBuilder(text.Length);
        int copied = 0;
        foreach (InjectionSignal signal in signals.OrderBy(s => s.Start))
        {
            if (signal.Start > copied)
            {
                result.Append(text, copied, signal.Start - copied);
            }

            copied = Math.Max(copied, Math.Min(text.Length, signal.Start + signal.Length));
        }

        return result.Append(text, copied, text.Length - copied).ToString();
    }
}
