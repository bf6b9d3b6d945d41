using System.Runtime.CompilerServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using Llm.Stack;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Benchmarks.Guardrails;

/// <summary>
/// The guardrails' streaming output check (issue 17's target: under 1 µs per token): an answer streamed in pieces of
/// four characters, as a model's tokens arrive, for answers of 1,000, 4,000 and 16,000 characters, the check redacting
/// personal data (<see cref="StreamingCheckPerToken"/>); and the whole default layer (<see cref="GuardrailChatClient"/>:
/// personal data redacted, each sentence classified under the content policy and assessed for prompt injection) over a
/// model that streams the same pieces, against that model alone (<see cref="BareStreamPerToken"/>). Reported per piece.
/// </summary>
/// <remarks>
/// The texts are the sample documents' prose (samples/data), so the scanners meet the digits, capitals and punctuation
/// of real answers; the answers carry one e-mail address and one phone number in their last paragraph, which the check
/// redacts.
/// </remarks>
[MemoryDiagnoser]
public class GuardrailBenchmark : IDisposable
{
    private string[] _pieces = null!;
    private GuardrailScreen _screen = null!;
    private PieceModel _model = null!;
    private GuardrailChatClient _guarded = null!;
    private readonly List<ChatMessage> _question = [new(ChatRole.User, "Tell me about the places in the documents.")];

    /// <summary>Gets or sets the length of the streamed answer in characters.</summary>
    [Params(1_000, 4_000, 16_000)]
    public int AnswerLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string answer = Answer(AnswerLength);
        _pieces = Tokens(answer);
        _screen = new GuardrailScreen(new GuardrailOptions { OutputPii = GuardrailAction.Redact }, null);
        string once = StreamOnce();
        if (once.Contains("ann.lee@", StringComparison.Ordinal) || once.Length < answer.Length - 80)
        {
            throw new InvalidOperationException("The streamed answer's e-mail address was not redacted.");
        }

        _model = new PieceModel(_pieces);
        _guarded = new GuardrailChatClient(_model);
        string layered = StreamAsync(_guarded).GetAwaiter().GetResult();
        if (layered.Contains("ann.lee@", StringComparison.Ordinal) || layered.Length < answer.Length - 80)
        {
            throw new InvalidOperationException("The guarded stream did not redact the e-mail address or lost text.");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _guarded?.Dispose();
        _model?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The model alone, streaming the answer's pieces (the baseline of <see cref="DefaultLayerPerToken"/>).</summary>
    [Benchmark(OperationsPerInvoke = 4_000)]
    public async Task<int> BareStreamPerToken() => await StreamRoundsAsync(_model).ConfigureAwait(false);

    /// <summary>The same stream through <see cref="GuardrailChatClient"/> with its default options.</summary>
    [Benchmark(OperationsPerInvoke = 4_000)]
    public async Task<int> DefaultLayerPerToken() => await StreamRoundsAsync(_guarded).ConfigureAwait(false);

    private async Task<int> StreamRoundsAsync(IChatClient client)
    {
        int length = 0;
        int rounds = Math.Max(1, 4_000 / _pieces.Length);
        for (int r = 0; r < rounds; r++)
        {
            length += (await StreamAsync(client).ConfigureAwait(false)).Length;
        }

        return length;
    }

    private async Task<string> StreamAsync(IChatClient client)
    {
        var emitted = new StringBuilder();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(_question).ConfigureAwait(false))
        {
            emitted.Append(update.Text);
        }

        return emitted.ToString();
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

    /// <summary>The streamed answer: the sample prose cut to <paramref name="length"/> characters less 80, and a last paragraph with an e-mail address and a phone number.</summary>
    internal static string Answer(int length) =>
        SampleProse(20_000)[..(length - 80)] + "\n\nWrite to ann.lee@example.com or call +49 30 1234 5678 for details.";

    /// <summary>The text in pieces of four characters (about one token each).</summary>
    internal static string[] Tokens(string text)
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

    /// <summary>A model that streams fixed pieces, one update each, completing synchronously (no scheduling cost in the numbers).</summary>
    internal sealed class PieceModel(string[] pieces) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, string.Concat(pieces))));

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask.ConfigureAwait(false);
            foreach (string piece in pieces)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { MessageId = "m1" };
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
