using Microsoft.Extensions.AI;

namespace Llm.Stack.Evaluation;

/// <summary>A model to compare: a name, its <see cref="IChatClient"/>, per-call options and its token prices.</summary>
/// <remarks>The harness calls <see cref="Client"/> concurrently, so the client must be thread-safe (as <see cref="IChatClient"/> requires).</remarks>
/// <param name="Name">The name shown in reports; unique among the candidates of a run.</param>
/// <param name="Client">The chat client.</param>
/// <param name="Options">Per-call chat options (model id, temperature, …); <see langword="null"/> for none.</param>
/// <param name="InputPricePerMillionTokens">The price of one million input tokens; <see langword="null"/> when unknown (no cost is reported).</param>
/// <param name="OutputPricePerMillionTokens">The price of one million output tokens; <see langword="null"/> when unknown.</param>
public sealed record ModelCandidate(
    string Name,
    IChatClient Client,
    ChatOptions? Options = null,
    decimal? InputPricePerMillionTokens = null,
    decimal? OutputPricePerMillionTokens = null);
