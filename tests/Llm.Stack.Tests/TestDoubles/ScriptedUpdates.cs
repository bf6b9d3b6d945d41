using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.TestDoubles;

/// <summary>
/// A scripted stream and its own enumerator (one enumeration): each <see cref="MoveNextAsync"/> runs the next step, and
/// it records what its caller did to it: steps, disposals, and calls made while a step was still pending (which a caller
/// keeping the enumerator contract never makes).
/// </summary>
public sealed class ScriptedUpdates : IAsyncEnumerable<ChatResponseUpdate>, IAsyncEnumerator<ChatResponseUpdate>
{
    private readonly Queue<Func<ScriptedUpdates, ValueTask<ChatResponseUpdate?>>> _steps;
    private bool _pending;

    /// <summary>Initializes a new instance of the <see cref="ScriptedUpdates"/> class; after its steps the stream ends.</summary>
    public ScriptedUpdates(params Func<ScriptedUpdates, ValueTask<ChatResponseUpdate?>>[] steps) => _steps = new(steps);

    /// <summary>Gets the token the call was given.</summary>
    public CancellationToken CallToken { get; internal set; }

    /// <summary>Gets the number of <see cref="MoveNextAsync"/> calls.</summary>
    public int Moves { get; private set; }

    /// <summary>Gets the number of <see cref="DisposeAsync"/> calls.</summary>
    public int Disposals { get; private set; }

    /// <summary>Gets the number of calls (a step or a disposal) made while a step was pending.</summary>
    public int CallsWhilePending { get; private set; }

    /// <summary>Gets the number of steps asked for after the stream was disposed.</summary>
    public int MovesAfterDisposal { get; private set; }

    /// <summary>Gets or sets a task the disposal waits for (a slow disposal); <see langword="null"/> to dispose at once.</summary>
    public Task? DisposalWaitsFor { get; set; }

    /// <inheritdoc />
    public ChatResponseUpdate Current { get; private set; } = null!;

    /// <summary>A step that gives an update at once.</summary>
    public static Func<ScriptedUpdates, ValueTask<ChatResponseUpdate?>> Update(string text) =>
        _ => new ValueTask<ChatResponseUpdate?>(new ChatResponseUpdate(ChatRole.Assistant, text));

    /// <summary>A step that gives the last update at once: a finish reason and the call's usage.</summary>
    public static Func<ScriptedUpdates, ValueTask<ChatResponseUpdate?>> Finish(string text = ".") =>
        _ => new ValueTask<ChatResponseUpdate?>(new ChatResponseUpdate(ChatRole.Assistant, [new TextContent(text), new UsageContent(new UsageDetails { InputTokenCount = 3, OutputTokenCount = 2, TotalTokenCount = 5 })])
        {
            FinishReason = ChatFinishReason.Stop,
        });

    /// <summary>A step that gives an update once <paramref name="gate"/> completes.</summary>
    public static Func<ScriptedUpdates, ValueTask<ChatResponseUpdate?>> After(Task gate, string text) =>
        _ => WaitAsync(gate, text);

    /// <summary>A step that waits until the call's token is canceled.</summary>
    public static Func<ScriptedUpdates, ValueTask<ChatResponseUpdate?>> UntilCanceled() =>
        async stream =>
        {
            await Task.Delay(Timeout.Infinite, stream.CallToken);
            return null;
        };

    /// <summary>A step whose <c>MoveNextAsync</c> itself throws <paramref name="fault"/> (no task returned).</summary>
    public static Func<ScriptedUpdates, ValueTask<ChatResponseUpdate?>> ThrowAtOnce(Exception fault) => _ => throw fault;

    /// <summary>A step that gives a <see langword="null"/> update at once.</summary>
    public static Func<ScriptedUpdates, ValueTask<ChatResponseUpdate?>> NullUpdate() => _ => new ValueTask<ChatResponseUpdate?>((ChatResponseUpdate?)null);

    /// <inheritdoc />
    public IAsyncEnumerator<ChatResponseUpdate> GetAsyncEnumerator(CancellationToken cancellationToken = default) => this;

    /// <inheritdoc />
    public ValueTask<bool> MoveNextAsync()
    {
        Moves++;
        if (_pending)
        {
            CallsWhilePending++;
        }

        if (Disposals > 0)
        {
            MovesAfterDisposal++;
        }

        if (!_steps.TryDequeue(out Func<ScriptedUpdates, ValueTask<ChatResponseUpdate?>>? step))
        {
            return new ValueTask<bool>(false);
        }

        ValueTask<ChatResponseUpdate?> next = step(this);
        if (next.IsCompletedSuccessfully)
        {
            return new ValueTask<bool>(Take(next.Result));
        }

        _pending = true;
        return LaterAsync(next);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Disposals++;
        if (_pending)
        {
            CallsWhilePending++;
        }

        if (DisposalWaitsFor is { } wait)
        {
            await wait;
        }
    }

    private static async ValueTask<ChatResponseUpdate?> WaitAsync(Task gate, string text)
    {
        await gate;
        return new ChatResponseUpdate(ChatRole.Assistant, text);
    }

    private async ValueTask<bool> LaterAsync(ValueTask<ChatResponseUpdate?> next)
    {
        try
        {
            return Take(await next);
        }
        finally
        {
            _pending = false;
        }
    }

    private bool Take(ChatResponseUpdate? update)
    {
        Current = update!;
        return true;
    }
}
