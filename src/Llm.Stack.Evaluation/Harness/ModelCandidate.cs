using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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
    decimal? OutputPricePerMillionTokens = null)
{
    /// <summary>
    /// Returns a candidate for the named chat model <paramref name="name"/> of configuration
    /// (<c>LlmStack:ChatModels:&lt;name&gt;</c>): the keyed <see cref="IChatClient"/> registered under that name, its
    /// <c>MaxOutputTokens</c> as the per-call options, and its input and output prices.
    /// </summary>
    /// <param name="services">The services built from <c>services.AddLlmStack(configuration)</c>.</param>
    /// <param name="name">The model's name, as in configuration.</param>
    /// <param name="client">
    /// The client to evaluate instead of the named model's own, such as the model with <c>UseRetrievalAugmentation()</c>;
    /// <see langword="null"/> for the named model's client.
    /// </param>
    /// <param name="displayName">The name shown in reports; <see langword="null"/> for <paramref name="name"/>.</param>
    /// <returns>The candidate.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">No named chat model <paramref name="name"/> is configured (the message lists those that are).</exception>
    public static ModelCandidate FromNamedModel(IServiceProvider services, string name, IChatClient? client = null, string? displayName = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        LlmStackOptions options = services.GetRequiredService<IOptions<LlmStackOptions>>().Value;
        if (!options.ChatModels.TryGetValue(name, out ChatModelSettings? settings))
        {
            string known = options.ChatModels.Count == 0 ? "none is configured" : "configured: " + string.Join(", ", options.ChatModels.Keys);
            throw new ArgumentException($"No chat model named '{name}' is configured under {LlmStackOptions.SectionName}:ChatModels ({known}).", nameof(name));
        }

        return new ModelCandidate(
            displayName ?? name,
            client ?? services.GetRequiredKeyedService<IChatClient>(name),
            new ChatOptions { MaxOutputTokens = settings.MaxOutputTokens },
            settings.InputPricePerMillionTokens,
            settings.OutputPricePerMillionTokens);
    }
}
