namespace Llm.Stack.TestUtilities;

/// <summary>A fault <see cref="FaultInjectingOpenAIServer"/> injects into one request.</summary>
/// <param name="Status">Answer with this HTTP status and an OpenAI error body.</param>
/// <param name="RetryAfter">With <paramref name="Status"/>: the <c>Retry-After</c> header (whole seconds).</param>
/// <param name="Delay">Wait this long before answering.</param>
/// <param name="CutAfterPieces">
/// For a streamed answer: drop the connection (a reset) after this many pieces. A reset discards what the client has
/// not read yet, so with pieces before the cut give <paramref name="CutWhen"/> and complete it once the client has them.
/// </param>
/// <param name="CutWhen">With <paramref name="CutAfterPieces"/>: the connection is dropped only once this task completes.</param>
/// <param name="EndAfterPieces">
/// For a streamed answer: end the HTTP response normally after this many pieces, with no <c>finish_reason</c> and no
/// <c>data: [DONE]</c>, as a proxy that closes an upstream stream does.
/// </param>
/// <param name="ErrorEventAfterPieces">
/// For a streamed answer of <see cref="AnthropicProtocolServer"/>: after this many pieces, an in-stream <c>event: error</c>
/// of type <paramref name="ErrorEventType"/> (the HTTP status stays 200), which ends the stream, as the Messages API does
/// when it is overloaded mid-answer.
/// </param>
/// <param name="ErrorEventType">With <paramref name="ErrorEventAfterPieces"/>: the error's type. The default is <c>overloaded_error</c>.</param>
public sealed record ChatFault(
    int? Status = null,
    TimeSpan? RetryAfter = null,
    TimeSpan? Delay = null,
    int? CutAfterPieces = null,
    Task? CutWhen = null,
    int? EndAfterPieces = null,
    int? ErrorEventAfterPieces = null,
    string ErrorEventType = "overloaded_error");
