using Microsoft.Extensions.AI;

namespace Llm.Stack;

/// <summary>The usage of one chat or embedding call, as the usage ledger records it.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record UsageRecord
{
    /// <summary>Gets the kind of call.</summary>
    public required UsageKind Kind { get; init; }

    /// <summary>Gets the model's name: the configured name of a named model, else the model id.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the provider's name (<c>gen_ai.provider.name</c>, from the client's <c>ChatClientMetadata</c> or <c>EmbeddingGeneratorMetadata</c>), or <see langword="null"/> when unknown.</summary>
    public string? Provider { get; init; }

    /// <summary>Gets the tenant of the call's <see cref="UsageScope"/>, or <see langword="null"/>.</summary>
    public string? Tenant { get; init; }

    /// <summary>Gets the user of the call's <see cref="UsageScope"/>, or <see langword="null"/>.</summary>
    public string? User { get; init; }

    /// <summary>Gets the operation of the call's <see cref="UsageScope"/>, or <see langword="null"/>.</summary>
    public string? Operation { get; init; }

    /// <summary>Gets the input tokens, cached ones included.</summary>
    public long InputTokens { get; init; }

    /// <summary>Gets how many of the input tokens the provider served from its prompt cache.</summary>
    public long CachedInputTokens { get; init; }

    /// <summary>Gets the output tokens, reasoning ones included.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Gets how many of the output tokens were reasoning tokens.</summary>
    public long ReasoningTokens { get; init; }

    /// <summary>Gets whether the provider reported the usage; a call without a report counts with zero tokens.</summary>
    public bool UsageReported { get; init; }

    /// <summary>Gets the cost from the model's prices, or <see langword="null"/> when a price is unknown.</summary>
    public decimal? Cost { get; init; }

    /// <summary>The token counts and cost of one call from the usage its response reported (none when <paramref name="usage"/> is <see langword="null"/>), priced with <paramref name="prices"/>.</summary>
    internal static void Figures(UsageDetails? usage, TokenPrices? prices, UsageKind kind, out long input, out long cached, out long output, out long reasoning, out decimal? cost)
    {
        input = usage?.InputTokenCount ?? 0;
        cached = usage?.CachedInputTokenCount ?? 0;
        output = usage?.OutputTokenCount ?? 0;
        reasoning = usage?.ReasoningTokenCount ?? 0;
        cost = usage is null ? null : prices?.Cost(kind, input, cached, output);
    }
}
