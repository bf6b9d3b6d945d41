namespace Llm.Stack.TestUtilities;

/// <summary>A fault <see cref="FaultInjectingOpenAIServer"/> injects into one request.</summary>
/// <param name="Status">Answer with this HTTP status and an OpenAI error body.</param>
/// <param name="RetryAfter">With <paramref name="Status"/>: the <c>Retry-After</c> header (whole seconds).</param>
/// <param name="Delay">Wait this long before answering.</param>
/// <param name="CutAfterPieces">For a streamed answer: drop the connection after this many pieces.</param>
public sealed record ChatFault(int? Status = null, TimeSpan? RetryAfter = null, TimeSpan? Delay = null, int? CutAfterPieces = null);
