using System.Diagnostics;
using System.Globalization;
using Llm.Stack;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Benchmarks.Guardrails;

/// <summary>
/// <c>guardrail-profile [answerLength]</c>: where the default guardrail layer's streaming time goes, per piece of the
/// <see cref="GuardrailBenchmark"/> answer (four characters), warmed past tiered compilation and timed with a stopwatch
/// (the median of seven runs of at least 300 ms): the bare stream, the whole layer, the personal-data check alone, and
/// the sentence checks alone (both, the content policy only, the injection assessment only) over the text the
/// personal-data check lets out; and finer parts: the layer with no output check and with the personal-data check only
/// (the per-update work of the layer's stream), the personal-data check with a detector that finds nothing, or one group
/// of kinds, and the detector over the whole answer once. A diagnostic, not a benchmark: run it under the bench lock like one.
/// </summary>
internal static class GuardrailProfile
{
    public static int Run(int answerLength)
    {
        string answer = GuardrailBenchmark.Answer(answerLength);
        string[] pieces = GuardrailBenchmark.Tokens(answer);
        var screen = new GuardrailScreen(new GuardrailOptions(), null);
        var contentOnly = new GuardrailScreen(new GuardrailOptions { OutputInjection = GuardrailAction.Allow }, null);
        var injectionOnly = new GuardrailScreen(new GuardrailOptions { OutputContent = GuardrailAction.Allow }, null);
        List<ChatMessage> question = [new(ChatRole.User, "Tell me about the places in the documents.")];

        // What the personal-data check lets out, in the pieces it lets out: the sentence checks' input.
        var released = new List<string>();
        var output = new GuardedOutput(screen, null);
        foreach (string piece in pieces)
        {
            string text = output.Push(piece);
            if (text.Length > 0)
            {
                released.Add(text);
            }
        }

        released.Add(output.Flush());

        using var model = new GuardrailBenchmark.PieceModel(pieces);
        using var guarded = new GuardrailChatClient(model);
        using var noOutput = new GuardrailChatClient(model, new GuardrailOptions { OutputPii = GuardrailAction.Allow, OutputContent = GuardrailAction.Allow, OutputInjection = GuardrailAction.Allow });
        using var piiOnly = new GuardrailChatClient(model, new GuardrailOptions { OutputContent = GuardrailAction.Allow, OutputInjection = GuardrailAction.Allow });
        GuardrailScreen noKinds = Only([]);
        GuardrailScreen emailOnly = Only([PiiKind.Email]);
        GuardrailScreen numbersOnly = Only([PiiKind.Phone, PiiKind.PaymentCard, PiiKind.Iban, PiiKind.UsSsn, PiiKind.IPAddress]);
        GuardrailScreen secretsOnly = Only([PiiKind.Secret]);
        Console.WriteLine($"guardrail-profile: {answer.Length} characters, {pieces.Length} pieces, {released.Count} released stretches; the detector ran {output.Scans} times over {output.ScannedCharacters} characters; ns per piece (median of 7)");
        Report("bare stream", pieces.Length, () => Stream(model, question));
        Report("default layer (GuardrailChatClient)", pieces.Length, () => Stream(guarded, question));
        Report("personal-data check (GuardedOutput)", pieces.Length, () => PersonalData(screen, pieces));
        Report("  layer, no output check", pieces.Length, () => Stream(noOutput, question));
        Report("  layer, personal-data check only", pieces.Length, () => Stream(piiOnly, question));
        Report("  personal-data check, nothing detected", pieces.Length, () => PersonalData(noKinds, pieces));
        Report("  personal-data check, e-mail only", pieces.Length, () => PersonalData(emailOnly, pieces));
        Report("  personal-data check, numbers only", pieces.Length, () => PersonalData(numbersOnly, pieces));
        Report("  personal-data check, secrets only", pieces.Length, () => PersonalData(secretsOnly, pieces));
        Report("  detector over the whole answer once", pieces.Length, () => PiiDetector.Default.Detect(answer).Count);
        Report("sentence checks (GuardedContent)", pieces.Length, () => Sentences(screen, released));
        Report("  content policy only", pieces.Length, () => Sentences(contentOnly, released));
        Report("  injection assessment only", pieces.Length, () => Sentences(injectionOnly, released));

        // How often the content policy's expressions ran, bounded (the default) and over each whole window.
        foreach (bool bounded in (bool[])[true, false])
        {
            var windows = new List<string>();
            var content = new GuardedContent(contentOnly) { Bounded = bounded, Classified = (_, c) => windows.Add(string.Join(",", c.Categories)) };
            Feed(content, released);
            Console.WriteLine($"{(bounded ? "bounded" : "whole windows"),-14}: {windows.Count} windows, {windows.Count(w => w.Length > 0)} flagged, {content.WholeWindows} classified whole; expressions ran {content.ExpressionRuns} times over {content.ExpressionCharacters} characters; {content.VerdictsReused} verdicts reused");
        }

        return 0;
    }

    private static GuardrailScreen Only(PiiKind[] kinds) => new(new GuardrailOptions { PiiDetector = new PiiDetector(kinds) }, null);

    private static void Report(string name, int pieces, Func<int> action)
    {
        // Warm: past tier-0 and on-stack replacement into tier 1.
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 1_500)
        {
            action();
        }

        var perPiece = new double[7];
        for (int run = 0; run < perPiece.Length; run++)
        {
            int rounds = 0;
            var watch = Stopwatch.StartNew();
            do
            {
                action();
                rounds++;
            }
            while (watch.ElapsedMilliseconds < 300);

            perPiece[run] = watch.Elapsed.TotalNanoseconds / rounds / pieces;
        }

        Array.Sort(perPiece);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-40} {perPiece[3],9:0.0} ns  (min {perPiece[0]:0.0}, max {perPiece[^1]:0.0})"));
    }

    private static int Stream(IChatClient client, List<ChatMessage> question)
    {
        int length = 0;
        IAsyncEnumerator<ChatResponseUpdate> updates = client.GetStreamingResponseAsync(question).GetAsyncEnumerator();
        try
        {
            while (updates.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                length += updates.Current.Text.Length;
            }
        }
        finally
        {
            updates.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return length;
    }

    private static int PersonalData(GuardrailScreen screen, string[] pieces)
    {
        var output = new GuardedOutput(screen, null);
        int length = 0;
        foreach (string piece in pieces)
        {
            length += output.Push(piece).Length;
        }

        return length + output.Flush().Length;
    }

    private static int Sentences(GuardrailScreen screen, List<string> released) => Feed(new GuardedContent(screen), released);

    private static int Feed(GuardedContent content, List<string> released)
    {
        int length = 0;
        for (int i = 0; i < released.Count - 1; i++)
        {
            if (content.Push(released[i]))
            {
                length += content.ReleaseAsync(final: false, CancellationToken.None).AsTask().GetAwaiter().GetResult().Length;
            }
        }

        content.Push(released[^1]);
        return length + content.ReleaseAsync(final: true, CancellationToken.None).AsTask().GetAwaiter().GetResult().Length;
    }
}
