using System.ClientModel;
using System.ClientModel.Primitives;
using Llm.Stack;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using OpenAI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>openai</c> provider of chat and embeddings, selected by configuration.</summary>
public static class OpenAIProviderLlmStackBuilderExtensions
{
    /// <summary>The provider name, the value of <c>LlmStack:Chat:Provider</c> or <c>LlmStack:Embeddings:Provider</c> that selects it.</summary>
    public const string ProviderName = "openai";

    /// <summary>
    /// Registers the <c>openai</c> provider for chat and embeddings. With <c>LlmStack:Chat:Provider</c> = <c>openai</c>, the
    /// stack's <see cref="IChatClient"/> calls the model <c>LlmStack:Chat:Model</c> at the OpenAI-compatible endpoint
    /// <c>LlmStack:Chat:Endpoint</c> (such as <c>http://localhost:8080/v1</c>) with the key <c>LlmStack:Chat:ApiKey</c>;
    /// with <c>LlmStack:Embeddings:Provider</c> = <c>openai</c>, the embedding generator does the same with the
    /// <c>LlmStack:Embeddings</c> keys. Clients are created on first use, through <c>Microsoft.Extensions.AI.OpenAI</c>.
    /// </summary>
    /// <param name="builder">The stack builder, from <c>services.AddLlmStack(configuration)</c>.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// The chat client is resilient: the stack wraps the configured chat model in <c>UseLlmResilience()</c>'s
    /// <c>ResilientChatClient</c> (retries with backoff honouring <c>Retry-After</c>, a circuit breaker, cut streams
    /// reported), and the official client's own retry policy is set to 0 (<c>ClientRetryPolicy(0)</c>) so that the two
    /// layers do not multiply the attempts. The configured embedding models get the same layer
    /// (<c>ResilientEmbeddingGenerator</c>, with their <c>Resilience</c> keys' rate limits), and their client no retries of its own.
    /// For OpenAI's own embedding models (<c>text-embedding-3-small</c>, <c>-3-large</c>, <c>-ada-002</c>) the embedding
    /// generator returns <see cref="EmbeddingInputLimits"/> (<c>cl100k_base</c>, 8,191 tokens) from <c>GetService</c>, so that
    /// ingestion's chunks are never refused as too long.
    /// The API key is sent only to the endpoint, as a bearer token, and is never written to logs or messages. A server that
    /// needs no key (a local llama.cpp or vLLM) receives a placeholder token, which it ignores. Calling this twice registers the provider once.
    /// </remarks>
    /// <example>
    /// <code>
    /// // appsettings.json: { "LlmStack": { "Chat": { "Provider": "openai", "Endpoint": "http://localhost:8080/v1", "Model": "qwen2.5-7b" } } }
    /// services.AddLlmStack(configuration).AddOpenAIProvider();
    /// </code>
    /// </example>
    public static LlmStackBuilder AddOpenAIProvider(this LlmStackBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddChatProvider(ProviderName, context =>
        {
            // The stack puts UseLlmResilience next to the configured chat model: the client's own retries are off so
            // that the two layers do not multiply the attempts.
            (OpenAIClient client, string model) = CreateClient(context.Configuration);
            return client.GetChatClient(model).AsIChatClient();
        });
        builder.AddEmbeddingProvider(ProviderName, context =>
        {
            // Likewise for embeddings: the stack wraps the configured embedding model in ResilientEmbeddingGenerator.
            // OpenAI's own embedding models report their input limits (EmbeddingInputLimits), so chunks fit them.
            (OpenAIClient client, string model) = CreateClient(context.Configuration);
            return OpenAIEmbeddingLimits.Report(client.GetEmbeddingClient(model).AsIEmbeddingGenerator(), model);
        });
        return builder;
    }

    private static (OpenAIClient Client, string Model) CreateClient(IConfigurationSection section)
    {
        // AddLlmStack(configuration) has validated the section: Endpoint is an absolute http(s) URI and Model is set.
        var endpoint = new Uri(Required(section, "Endpoint"), UriKind.Absolute);
        string model = Required(section, "Model");
        string? apiKey = section["ApiKey"];
        var options = new OpenAIClientOptions { Endpoint = endpoint, RetryPolicy = new ClientRetryPolicy(0) };

        // The OpenAI client always sends a bearer token; a server that needs none ignores a placeholder.
        var client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "no-key" : apiKey), options);
        return (client, model);
    }

    private static string Required(IConfigurationSection section, string key) =>
        section[key] is { Length: > 0 } value ? value : throw new InvalidOperationException($"{section.Path}:{key} is required when the provider is 'openai'.");
}
