using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Server;

/// <summary>
/// The models the endpoints serve: the registered <see cref="IChatClient"/> and
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings, each under the model id its metadata reports.
/// Resolved on first use, so mapping the endpoints loads no model.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class ServedModels(IServiceProvider services)
{
    /// <summary>The model id reported when a client's metadata names none.</summary>
    public const string DefaultChatModelId = "llmstack";

    /// <summary>The embedding model id reported when a generator's metadata names none.</summary>
    public const string DefaultEmbeddingModelId = "llmstack-embeddings";

    private readonly Lazy<(IChatClient Client, string Id)?> _chat = new(() =>
        services.GetService<IChatClient>() is { } client
            ? (client, client.GetService<ChatClientMetadata>()?.DefaultModelId ?? DefaultChatModelId)
            : null);

    private readonly Lazy<(IEmbeddingGenerator<string, Embedding<float>> Generator, string Id)?> _embedder = new(() =>
        services.GetService<IEmbeddingGenerator<string, Embedding<float>>>() is { } generator
            ? (generator, generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? DefaultEmbeddingModelId)
            : null);

    /// <summary>Gets when the models were first served, in Unix seconds: the <c>created</c> of each <c>/v1/models</c> entry.</summary>
    public long Created { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Gets the ids of the served models, chat first.</summary>
    public IEnumerable<(string Id, string Kind)> List()
    {
        if (_chat.Value is { } chat)
        {
            yield return (chat.Id, "chat");
        }

        if (_embedder.Value is { } embedder)
        {
            yield return (embedder.Id, "embeddings");
        }
    }

    public IChatClient ResolveChat(string model) =>
        _chat.Value is { } chat && string.Equals(chat.Id, model, StringComparison.Ordinal)
            ? chat.Client
            : throw NotFound(model, _chat.Value?.Id, "chat completions");

    public IEmbeddingGenerator<string, Embedding<float>> ResolveEmbedder(string model) =>
        _embedder.Value is { } embedder && string.Equals(embedder.Id, model, StringComparison.Ordinal)
            ? embedder.Generator
            : throw NotFound(model, _embedder.Value?.Id, "embeddings");

    private static OpenAIError NotFound(string model, string? served, string what) =>
        new(404, served is null
                ? $"The model '{model}' does not exist: this server serves no model for {what}."
                : $"The model '{model}' does not exist: this server serves '{served}' for {what} (see GET /v1/models).",
            "model", "model_not_found");
}
