namespace Llm.Stack;

/// <summary>
/// For middleware that returns its inner client's task when that task has already completed (so the layer adds no task
/// of its own): the task an <c>async</c> method would have returned for an exception thrown before its first await.
/// </summary>
internal static class CompletedCall
{
    /// <summary>
    /// A task that holds <paramref name="exception"/> as an <c>async</c> method's task holds it: canceled for an
    /// <see cref="OperationCanceledException"/> (awaiting it throws that very exception), else faulted.
    /// </summary>
    /// <typeparam name="T">The task's result type.</typeparam>
    /// <param name="exception">The exception thrown.</param>
    /// <returns>The completed task.</returns>
#pragma warning disable CS1998 // No await: the async builder is what stores the exception as an async method's task stores it.
    public static async Task<T> Faulted<T>(Exception exception)
#pragma warning restore CS1998
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(exception);
        return default!;
    }
}
