using System.Runtime.CompilerServices;

namespace Llm.Stack;

/// <summary>
/// The interaction being recorded on the current asynchronous flow, so that an inner layer (the RAG pipeline under
/// <c>UseInteractionLog()</c>, or a second interaction-log layer) adds to the outer record instead of writing another.
/// </summary>
internal static class InteractionContext
{
    private static readonly AsyncLocal<InteractionRecord?> s_current = new();

    public static InteractionRecord? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    /// <summary>
    /// Enumerates <paramref name="source"/> with <paramref name="record"/> as the current interaction during each step.
    /// An async iterator's body resumes in its caller's context after each <c>yield</c>, so a value set once in the
    /// body would not reach the later steps of an inner stream; setting it before each step does.
    /// </summary>
    public static async IAsyncEnumerable<T> Flow<T>(IAsyncEnumerable<T> source, InteractionRecord record, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        IAsyncEnumerator<T> e = source.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                s_current.Value = record;
                if (!await e.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }

                yield return e.Current;
            }
        }
        finally
        {
            await e.DisposeAsync().ConfigureAwait(false);
        }
    }
}
