using System.Net.Http.Headers;
using Llm.Stack;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using OllamaSharp;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>ollama</c> provider of chat and embeddings, selected by configuration.</summary>
public static class OllamaProviderLlmStackBuilderExtensions
{
    /// <summary>The provider name, the value of <c>LlmStack:Chat:Provider</c> or <c>LlmStack:Embeddings:Provider</c> that selects it.</summary>
    public const string ProviderName = "ollama";

    /// <summary>The endpoint used when neither <c>Endpoint</c> nor the <c>OLLAMA_HOST</c> environment variable gives one: <c>http://localhost:11434</c>.</summary>
    public const string DefaultEndpoint = "http://localhost:11434";

    /// <summary>The environment variable read for the endpoint when configuration gives none.</summary>
    public const string EndpointEnvironmentVariable = "OLLAMA_HOST";

    /// <summary>The environment variable read for the API key (sent as a bearer token, for a server behind an authenticating proxy) when configuration gives none.</summary>
    public const string ApiKeyEnvironmentVariable = "OLLAMA_API_KEY";

    /// <summary>
    /// Registers the <c>ollama</c> provider for chat and embeddings. With <c>LlmStack:Chat:Provider</c> = <c>ollama</c>, the
    /// stack's <see cref="IChatClient"/> calls the model <c>LlmStack:Chat:Model</c> (such as <c>llama3.2</c>) on the Ollama
    /// server at <c>LlmStack:Chat:Endpoint</c>, else <c>OLLAMA_HOST</c>, else <see cref="DefaultEndpoint"/> (its
    /// <c>/api/chat</c>, streamed as Ollama streams); with <c>LlmStack:Embeddings:Provider</c> = <c>ollama</c>, the embedding
    /// generator calls <c>/api/embed</c> with the <c>LlmStack:Embeddings</c> keys. Clients are created on first use, through
    /// OllamaSharp, whose client is itself the <see cref="IChatClient"/> and the embedding generator.
    /// </summary>
    /// <param name="builder">The stack builder, from <c>services.AddLlmStack(configuration)</c>.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Ollama needs no key. When <c>ApiKey</c> (or <c>OLLAMA_API_KEY</c>) is set, it is sent only to the endpoint, as a
    /// bearer token, and is never written to logs or messages. <c>GetService</c> on the clients returns OllamaSharp's
    /// <see cref="ChatClientMetadata"/> and <see cref="EmbeddingGeneratorMetadata"/> (provider <c>ollama</c>, the endpoint
    /// and the model). Calling this twice registers the provider once. The clients are thread-safe.
    /// </remarks>
    /// <example>
    /// <code>
    /// // appsettings.json: { "LlmStack": { "Chat": { "Provider": "ollama", "Model": "llama3.2" } } }
    /// services.AddLlmStack(configuration).AddOllamaProvider();
    /// </code>
    /// </example>
    public static LlmStackBuilder AddOllamaProvider(this LlmStackBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddChatProvider(ProviderName, context => CreateClient(context.Configuration));
        builder.AddEmbeddingProvider(ProviderName, context => CreateClient(context.Configuration));
        return builder;
    }

    private static OllamaApiClient CreateClient(IConfigurationSection section)
    {
        // AddLlmStack(configuration) has validated the section: Model is set, and Endpoint, when given, is an absolute http(s) URI.
        string model = section["Model"] is { Length: > 0 } value ? value : throw new InvalidOperationException($"{section.Path}:Model is required when the provider is 'ollama'.");
        var endpoint = new Uri(
            section["Endpoint"] is { Length: > 0 } configured ? configured
            : Environment.GetEnvironmentVariable(EndpointEnvironmentVariable) is { Length: > 0 } host ? WithScheme(host)
            : DefaultEndpoint,
            UriKind.Absolute);
        string? apiKey = section["ApiKey"] is { Length: > 0 } key ? key : Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable);

        // Generation can take longer than HttpClient's default 100 s: the caller's cancellation token bounds a call.
        var http = new HttpClient { BaseAddress = endpoint, Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(apiKey))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return new OllamaApiClient(http, model);
    }

    // OLLAMA_HOST is often written without a scheme ("127.0.0.1:11434"), as Ollama itself accepts it.
    private static string WithScheme(string host) =>
        host.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || host.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? host : "http://" + host;
}
