using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Evaluation.Tests;

/// <summary>
/// A deterministic hand-written chat client: answers with <see cref="Answer"/>, streams the answer word by word,
/// reports usage (one input token per input word, one output token per output word), can fail the first
/// <see cref="FailuresPerPrompt"/> calls for each prompt, and records calls and peak concurrency.
/// </summary>
internal sealed class ScriptedChatClient(Func<string, string> answer) : IChatClient
{
    private readonly Dictionary<string, int> _failures = [];
    private readonly Lock _lock = new();
    private int _inFlight;

    public Func<string, string> Answer { get; } = answer;

    public int FailuresPerPrompt { get; init; }

    public bool YieldBetweenWords { get; init; }

    public int Calls { get; private set; }

    public int PeakConcurrency { get; private set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prompt = string.Join("\n", messages.Select(m => m.Text));
        lock (_lock)
        {
            Calls++;
            _inFlight++;
            PeakConcurrency = Math.Max(PeakConcurrency, _inFlight);
            var failed = _failures.GetValueOrDefault(prompt);
            if (failed < FailuresPerPrompt)
            {
                _failures[prompt] = failed + 1;
                _inFlight--;
                throw new HttpRequestException("scripted failure " + (failed + 1));
            }
        }

        try
        {
            var words = Answer(prompt).Split(' ');
            for (var i = 0; i < words.Length; i++)
            {
                if (YieldBetweenWords)
                {
                    await Task.Delay(5, cancellationToken);
                }

                yield return new ChatResponseUpdate(ChatRole.Assistant, i == 0 ? words[i] : " " + words[i]);
            }

            yield return new ChatResponseUpdate
            {
                Role = ChatRole.Assistant,
                FinishReason = ChatFinishReason.Stop,
                Contents = [new UsageContent(new UsageDetails { InputTokenCount = prompt.Split(' ').Length, OutputTokenCount = words.Length })],
            };
        }
        finally
        {
            lock (_lock)
            {
                _inFlight--;
            }
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
