using System.Text;
using BenchmarkDotNet.Attributes;
using Llm.Stack;

namespace Llm.Stack.Benchmarks.Guardrails;

/// <summary>
/// The guardrails' streaming output check (issue 17's target: under 1 µs per token): an answer streamed in pieces of
/// four characters, as a model's tokens arrive, for answers of 1,000, 4,000 and 16,000 characters, the check redacting
/// personal data. Reported per piece.
/// </summary>
/// <remarks>
/// The texts are the sample documents' prose (samples/data), so the scanners meet the digits, capitals and punctuation
/// of real answers; the answers carry one e-mail address and one phone number in their last paragraph, which the check
/// redacts.
/// </remarks>
[MemoryDiagnoser]
public class GuardrailBenchmark
{
    private string[] _pieces = null!;
    private GuardrailScreen _screen = null!;

    /// <summary>Gets or sets the length of the streamed answer in characters.</summary>
    [Params(1_000, 4_000, 16_000)]
    public int AnswerLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string answer = SampleProse(20_000)[..(AnswerLength - 80)] + "\n\nWrite to ann.lee@example.com or call +49 30 1234 5678 for details.";
        _pieces = Tokens(answer);
        _screen = new GuardrailScreen(new GuardrailOptions { OutputPii = GuardrailAction.Redact }, null);
        string once = StreamOnce();
        if (once.Contains("ann.lee@", StringComparison.Ordinal) || once.Length < answer.Length - 80)
        {
            throw new InvalidOperationException("The streamed answer's e-mail address was not redacted.");
        }
    }

    /// <summary>The streaming output check over the whole answer; reported per piece (about one token).</summary>
    [Benchmark(OperationsPerInvoke = 4_000)]
    public int StreamingCheckPerToken()
    {
        // Normalised to 4,000 pieces whatever the answer's length, so that the column reads as time per token.
        int length = 0;
        int rounds = Math.Max(1, 4_000 / _pieces.Length);
        for (int r = 0; r < rounds; r++)
        {
            length += StreamOnce().Length;
        }

        return length;
    }

    private string StreamOnce()
    {
        var output = new GuardedOutput(_screen, null);
        var emitted = new StringBuilder();
        foreach (string piece in _pieces)
        {
            emitted.Append(output.Push(piece));
        }

        return emitted.Append(output.Flush()).ToString();
    }

    private static string[] Tokens(string text)
    {
        var pieces = new List<string>();
        for (int i = 0; i < text.Length; i += 4)
        {
            pieces.Add(text.Substring(i, Math.Min(4, text.Length - i)));
        }

        return [.. pieces];
    }

    /// <summary>The sample documents' text, repeated to at least <paramref name="length"/> characters.</summary>
    internal static string SampleProse(int length)
    {
        string folder = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(folder, "samples", "data")))
        {
            folder = Path.GetDirectoryName(folder) ?? throw new DirectoryNotFoundException("samples/data was not found above the benchmark's folder.");
        }

        var prose = new StringBuilder();
        while (prose.Length < length)
        {
            foreach (string file in Directory.GetFiles(Path.Combine(folder, "samples", "data"), "*.md").Order(StringComparer.Ordinal))
            {
                prose.Append(File.ReadAllText(file)).Append('\n');
            }
        }

        return prose.ToString();
    }
}
