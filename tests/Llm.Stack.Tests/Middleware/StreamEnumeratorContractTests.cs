using Llm.Stack.Tests.TestDoubles;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.Middleware;

/// <summary>
/// The hand-written stream enumerators of the middleware layers (the usage ledger's and the named model's
/// <see cref="ChatUpdateRelay"/>, the resilience layer's stream, and the three stacked) keep the contract of a
/// compiler-built async iterator, over an inner stream scripted step by step: a fault of a step ends in the task it
/// returns, never thrown at once; the inner stream is disposed exactly once and the end of the stream is seen exactly
/// once (the ledger records one call); a call made while a step or a disposal is still pending is refused with a
/// <see cref="NotSupportedException"/> (disposal throws it, as the iterators' does; a step returns it) and changes
/// nothing; after the end nothing more reaches the inner stream.
/// </summary>
public sealed class StreamEnumeratorContractTests
{
    public static TheoryData<string> Layers => ["ledger", "named", "resilience", "stack"];

    public static TheoryData<string, int> LayersAndSteps => new()
    {
        { "ledger", 0 }, { "ledger", 1 },
        { "named", 0 }, { "named", 1 },
        { "resilience", 0 }, { "resilience", 1 },
        { "stack", 0 }, { "stack", 1 },
    };

    [Theory]
    [MemberData(nameof(LayersAndSteps))]
    public async Task Disposing_while_a_step_is_pending_is_refused_and_the_step_completes(string layer, int step)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ScriptedUpdates inner = Script([.. Before(step), ScriptedUpdates.After(gate.Task, "b"), ScriptedUpdates.Finish()]);
        Layer client = Wrap(layer, inner);
        IAsyncEnumerator<ChatResponseUpdate> updates = client.Chat.GetStreamingResponseAsync("q").GetAsyncEnumerator();
        await MoveAsync(updates, step);

        ValueTask<bool> pending = updates.MoveNextAsync();
        Assert.False(pending.IsCompleted);
        AssertRefusedAtOnce(updates.DisposeAsync);
        Assert.Equal(0, inner.Disposals);

        gate.SetResult();
        Assert.True(await pending);
        Assert.Equal("b", updates.Current.Text);
        await updates.DisposeAsync();
        Assert.Equal(1, inner.Disposals);
        Assert.Equal(0, inner.CallsWhilePending);
        Assert.False(await updates.MoveNextAsync());
        Assert.Equal(0, inner.MovesAfterDisposal);
        client.AssertRecorded(1);
    }

    [Theory]
    [MemberData(nameof(LayersAndSteps))]
    public async Task A_disposal_tried_while_a_step_is_pending_neither_ends_the_stream_twice_nor_leaks_the_inner_stream(string layer, int step)
    {
        // The invariants alone, whatever the early disposal does: the inner stream is disposed once, never while its
        // step is pending, and the ledger records the call once.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ScriptedUpdates inner = Script([.. Before(step), ScriptedUpdates.After(gate.Task, "b"), ScriptedUpdates.Finish()]);
        Layer client = Wrap(layer, inner);
        IAsyncEnumerator<ChatResponseUpdate> updates = client.Chat.GetStreamingResponseAsync("q").GetAsyncEnumerator();
        await MoveAsync(updates, step);
        ValueTask<bool> pending = updates.MoveNextAsync();
        Exception? early = await Record.ExceptionAsync(async () => await updates.DisposeAsync());

        gate.SetResult();
        Exception? stepFault = await Record.ExceptionAsync(async () => await pending);
        await updates.DisposeAsync();

        // (disposals of the inner stream, of them while its step was pending, calls recorded, the pending step's fault)
        Assert.Equal(
            (1, 0, client.Ledger is null ? (long?)null : 1, (Type?)null),
            (inner.Disposals, inner.CallsWhilePending, client.Ledger?.GetTotals().Calls, stepFault?.GetType()));
        Assert.IsType<NotSupportedException>(early);
    }

    [Theory]
    [MemberData(nameof(LayersAndSteps))]
    public async Task A_second_step_while_one_is_pending_is_refused_through_its_task(string layer, int step)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ScriptedUpdates inner = Script([.. Before(step), ScriptedUpdates.After(gate.Task, "b"), ScriptedUpdates.Finish()]);
        Layer client = Wrap(layer, inner);
        await using IAsyncEnumerator<ChatResponseUpdate> updates = client.Chat.GetStreamingResponseAsync("q").GetAsyncEnumerator();
        await MoveAsync(updates, step);

        ValueTask<bool> pending = updates.MoveNextAsync();
        ValueTask<bool> second = default;
        Assert.Null(Record.Exception(() => second = updates.MoveNextAsync()));
        await Assert.ThrowsAsync<NotSupportedException>(() => second.AsTask());
        Assert.Equal(0, inner.CallsWhilePending);

        gate.SetResult();
        Assert.True(await pending);
        Assert.Equal("b", updates.Current.Text);
        Assert.True(await updates.MoveNextAsync());
        Assert.Equal(".", updates.Current.Text);
        Assert.False(await updates.MoveNextAsync());
        Assert.Equal(1, inner.Disposals);
        client.AssertRecorded(1);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public async Task Disposing_or_stepping_while_a_disposal_is_pending_is_refused(string layer)
    {
        var slow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ScriptedUpdates inner = Script(ScriptedUpdates.Update("a"), ScriptedUpdates.Finish());
        inner.DisposalWaitsFor = slow.Task;
        Layer client = Wrap(layer, inner);
        IAsyncEnumerator<ChatResponseUpdate> updates = client.Chat.GetStreamingResponseAsync("q").GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync());

        ValueTask disposal = updates.DisposeAsync();
        Assert.False(disposal.IsCompleted);
        AssertRefusedAtOnce(updates.DisposeAsync);
        ValueTask<bool> step = default;
        Assert.Null(Record.Exception(() => step = updates.MoveNextAsync()));
        await Assert.ThrowsAsync<NotSupportedException>(() => step.AsTask());

        slow.SetResult();
        await disposal;
        Assert.Equal(1, inner.Disposals);
        client.AssertRecorded(1);
        Assert.False(await updates.MoveNextAsync());
        await updates.DisposeAsync();
        Assert.Equal(1, inner.Disposals);
        Assert.Equal(0, inner.MovesAfterDisposal);
        client.AssertRecorded(1);
    }

    [Theory]
    [MemberData(nameof(LayersAndSteps))]
    public async Task A_null_update_faults_the_returned_task_and_ends_the_stream(string layer, int step)
    {
        ScriptedUpdates inner = Script([.. Before(step), ScriptedUpdates.NullUpdate(), ScriptedUpdates.Finish()]);
        Layer client = Wrap(layer, inner);
        IAsyncEnumerator<ChatResponseUpdate> updates = client.Chat.GetStreamingResponseAsync("q").GetAsyncEnumerator();
        await MoveAsync(updates, step);

        ValueTask<bool> faulted = default;
        Assert.Null(Record.Exception(() => faulted = updates.MoveNextAsync()));
        InvalidOperationException fault = await Assert.ThrowsAsync<InvalidOperationException>(() => faulted.AsTask());
        Assert.Contains("null update", fault.Message, StringComparison.Ordinal);

        await AssertEndedAsync(updates, inner, client, recorded: step);
    }

    [Theory]
    [MemberData(nameof(LayersAndSteps))]
    public async Task An_inner_step_that_throws_at_once_faults_the_returned_task(string layer, int step)
    {
        // Not transient, so the resilience layer passes it on as it is, first step or later.
        ScriptedUpdates inner = Script([.. Before(step), ScriptedUpdates.ThrowAtOnce(new FormatException("boom")), ScriptedUpdates.Finish()]);
        Layer client = Wrap(layer, inner);
        IAsyncEnumerator<ChatResponseUpdate> updates = client.Chat.GetStreamingResponseAsync("q").GetAsyncEnumerator();
        await MoveAsync(updates, step);

        ValueTask<bool> faulted = default;
        Assert.Null(Record.Exception(() => faulted = updates.MoveNextAsync()));
        FormatException fault = await Assert.ThrowsAsync<FormatException>(() => faulted.AsTask());
        Assert.Equal("boom", fault.Message);

        await AssertEndedAsync(updates, inner, client, recorded: step);
    }

    [Fact]
    public async Task A_transient_fault_thrown_at_once_by_the_first_step_is_retried_on_a_new_stream()
    {
        var inner = new ScriptedChatClient();
        ScriptedUpdates cut = new(ScriptedUpdates.ThrowAtOnce(new IOException("reset")));
        ScriptedUpdates answer = new(ScriptedUpdates.Update("a"), ScriptedUpdates.Finish());
        inner.Enqueue(cut, answer);
        using var client = new ResilientChatClient(inner, new LlmResilienceOptions { BaseDelay = TimeSpan.FromMilliseconds(1) });

        List<string> texts = [];
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync("q"))
        {
            texts.Add(update.Text);
        }

        Assert.Equal(["a", "."], texts);
        Assert.Equal(1, cut.Disposals);
        Assert.Equal(1, answer.Disposals);
    }

    [Fact]
    public async Task A_transient_fault_thrown_at_once_after_output_is_a_cut_stream_and_not_retried()
    {
        var inner = new ScriptedChatClient();
        ScriptedUpdates cut = new(ScriptedUpdates.Update("a"), ScriptedUpdates.ThrowAtOnce(new IOException("reset")));
        inner.Enqueue(cut);
        using var client = new ResilientChatClient(inner, new LlmResilienceOptions { BaseDelay = TimeSpan.FromMilliseconds(1) });
        IAsyncEnumerator<ChatResponseUpdate> updates = client.GetStreamingResponseAsync("q").GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync());

        ValueTask<bool> faulted = default;
        Assert.Null(Record.Exception(() => faulted = updates.MoveNextAsync()));
        IncompleteChatStreamException fault = await Assert.ThrowsAsync<IncompleteChatStreamException>(() => faulted.AsTask());
        Assert.IsType<IOException>(fault.InnerException);
        Assert.Single(inner.Opened);
        Assert.Equal(1, cut.Disposals);
        Assert.False(await updates.MoveNextAsync());
    }

    [Theory]
    [InlineData("ledger", 0, false)]
    [InlineData("ledger", 1, false)]
    [InlineData("ledger", 1, true)]
    [InlineData("named", 0, false)]
    [InlineData("named", 1, true)]
    [InlineData("resilience", 0, false)]
    [InlineData("resilience", 0, true)]
    [InlineData("resilience", 1, false)]
    [InlineData("resilience", 1, true)]
    [InlineData("stack", 0, true)]
    [InlineData("stack", 1, false)]
    public async Task Cancellation_while_a_step_is_pending_ends_the_stream_once(string layer, int step, bool byEnumerator)
    {
        using var cancel = new CancellationTokenSource();
        ScriptedUpdates inner = Script([.. Before(step), ScriptedUpdates.UntilCanceled(), ScriptedUpdates.Finish()]);
        Layer client = Wrap(layer, inner);
        IAsyncEnumerator<ChatResponseUpdate> updates = byEnumerator
            ? client.Chat.GetStreamingResponseAsync("q").GetAsyncEnumerator(cancel.Token)
            : client.Chat.GetStreamingResponseAsync("q", cancellationToken: cancel.Token).GetAsyncEnumerator();
        await MoveAsync(updates, step);

        ValueTask<bool> pending = updates.MoveNextAsync();
        Assert.False(pending.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.AsTask());

        Assert.True(inner.CallToken.IsCancellationRequested);
        Assert.Single(client.Inner.Opened); // never retried
        await AssertEndedAsync(updates, inner, client, recorded: step);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public async Task After_the_end_a_step_returns_false_and_disposal_does_nothing(string layer)
    {
        ScriptedUpdates inner = Script(ScriptedUpdates.Update("a"), ScriptedUpdates.Finish());
        Layer client = Wrap(layer, inner);
        IAsyncEnumerator<ChatResponseUpdate> updates = client.Chat.GetStreamingResponseAsync("q").GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync());
        Assert.True(await updates.MoveNextAsync());
        Assert.False(await updates.MoveNextAsync());
        int moves = inner.Moves;

        await AssertEndedAsync(updates, inner, client, recorded: 1);
        Assert.Equal(moves, inner.Moves);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public async Task Disposing_twice_disposes_the_inner_stream_once(string layer)
    {
        ScriptedUpdates inner = Script(ScriptedUpdates.Update("a"), ScriptedUpdates.Update("b"), ScriptedUpdates.Finish());
        Layer client = Wrap(layer, inner);
        IAsyncEnumerator<ChatResponseUpdate> updates = client.Chat.GetStreamingResponseAsync("q").GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync());

        await updates.DisposeAsync();
        await updates.DisposeAsync();

        Assert.Equal(1, inner.Disposals);
        client.AssertRecorded(1);
        Assert.False(await updates.MoveNextAsync());
        Assert.Equal(0, inner.MovesAfterDisposal);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public async Task Disposing_before_the_first_step_opens_nothing(string layer)
    {
        ScriptedUpdates inner = Script(ScriptedUpdates.Update("a"), ScriptedUpdates.Finish());
        Layer client = Wrap(layer, inner);
        IAsyncEnumerator<ChatResponseUpdate> updates = client.Chat.GetStreamingResponseAsync("q").GetAsyncEnumerator();

        await updates.DisposeAsync();
        Assert.False(await updates.MoveNextAsync());
        await updates.DisposeAsync();

        Assert.Empty(client.Inner.Opened);
        client.AssertRecorded(0);
    }

    /// <summary>The stream has ended: a step returns false at once, a disposal does nothing, the inner stream was disposed once, the end seen once.</summary>
    private static async Task AssertEndedAsync(IAsyncEnumerator<ChatResponseUpdate> updates, ScriptedUpdates inner, Layer client, int recorded)
    {
        Assert.Equal(1, inner.Disposals);
        client.AssertRecorded(recorded > 0 ? 1 : 0);
        ValueTask<bool> after = updates.MoveNextAsync();
        Assert.True(after.IsCompletedSuccessfully);
        Assert.False(await after);
        await updates.DisposeAsync();
        await updates.DisposeAsync();
        Assert.Equal(1, inner.Disposals);
        Assert.Equal(0, inner.MovesAfterDisposal);
        Assert.Equal(0, inner.CallsWhilePending);
        client.AssertRecorded(recorded > 0 ? 1 : 0);
    }

    /// <summary>A call refused at once: it throws, returning no task, as a compiler-built iterator's <c>DisposeAsync</c> does.</summary>
    private static void AssertRefusedAtOnce(Func<ValueTask> call)
    {
        Task? returned = null;
        Assert.Throws<NotSupportedException>(() => { returned = call().AsTask(); });
        Assert.Null(returned);
    }

    private static Func<ScriptedUpdates, ValueTask<ChatResponseUpdate?>>[] Before(int step) =>
        [.. Enumerable.Range(0, step).Select(i => ScriptedUpdates.Update(((char)('a' + i)).ToString()))];

    private static async Task MoveAsync(IAsyncEnumerator<ChatResponseUpdate> updates, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            Assert.True(await updates.MoveNextAsync());
        }
    }

    private static ScriptedUpdates Script(params Func<ScriptedUpdates, ValueTask<ChatResponseUpdate?>>[] steps) => new(steps);

    /// <summary>The layer (or stack) under test over a scripted client that hands out <paramref name="stream"/>.</summary>
    private static Layer Wrap(string layer, ScriptedUpdates stream)
    {
        var inner = new ScriptedChatClient();
        inner.Enqueue(stream);
        var ledger = new UsageLedger();
        var resilience = new LlmResilienceOptions { BaseDelay = TimeSpan.FromMilliseconds(1), AttemptTimeout = TimeSpan.FromSeconds(30) };
        return layer switch
        {
            "ledger" => new Layer(new UsageLedgerChatClient(inner, ledger, "m"), inner, ledger),
            "named" => new Layer(new NamedModelChatClient("m", inner), inner, null),
            "resilience" => new Layer(new ResilientChatClient(inner, resilience), inner, null),
            "stack" => new Layer(new UsageLedgerChatClient(new NamedModelChatClient("m", new ResilientChatClient(inner, resilience)), ledger, "m"), inner, ledger),
            _ => throw new ArgumentOutOfRangeException(nameof(layer), layer, "No such layer."),
        };
    }

    /// <summary>A layer under test, its scripted inner client, and its ledger when it records (the end of its stream seen).</summary>
    private sealed record Layer(IChatClient Chat, ScriptedChatClient Inner, UsageLedger? Ledger)
    {
        public void AssertRecorded(int calls)
        {
            if (Ledger is not null)
            {
                Assert.Equal(calls, Ledger.GetTotals().Calls);
            }
        }
    }
}
