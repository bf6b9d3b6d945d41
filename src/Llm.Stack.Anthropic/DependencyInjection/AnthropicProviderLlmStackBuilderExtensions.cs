using Anthropic;
using Llm.Stack;
using Llm.Stack.Anthropic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>anthropic</c> chat provider, selected by configuration.</summary>
public static class AnthropicProviderLlmStackBuilderExtensions
{
    /// <summary>The provider name, the value of <c>LlmStack:Chat:Provider</c> that selects it.</summary>
    public const string ProviderName = "anthropic";

    /// <summary>The environment variable read for the API key when configuration gives none.</summary>
    public const string ApiKeyEnvironmentVariable = "ANTHROPIC_API_KEY";

    /// <summary>The largest answer, in tokens, asked for when neither <c>LlmStack:Chat:MaxOutputTokens</c> nor the call's <see cref="ChatOptions.MaxOutputTokens"/> gives one: 4096.</summary>
    public const int DefaultMaxOutputTokens = 4096;

    /// <summary>
    /// Registers the <c>anthropic</c> chat provider. With <c>LlmStack:Chat:Provider</c> = <c>anthropic</c>, the stack's
    /// <see cref="IChatClient"/> calls Anthropic's Messages API (<c>/v1/messages</c>, streamed as server-sent events when
    /// streaming) for the model <c>LlmStack:Chat:Model</c> (such as <c>claude-sonnet-4-5</c>), with the key
    /// <c>LlmStack:Chat:ApiKey</c> or else the <c>ANTHROPIC_API_KEY</c> environment variable, at
    /// <c>LlmStack:Chat:Endpoint</c> when given (a proxy or a compatible server) or else Anthropic's own. The answer is at
    /// most <c>LlmStack:Chat:MaxOutputTokens</c> tokens, else <see cref="DefaultMaxOutputTokens"/>. The client is the
    /// official <c>Anthropic</c> package's <see cref="IChatClient"/>, created on first use.
    /// </summary>
    /// <param name="builder">The stack builder, from <c>services.AddLlmStack(configuration)</c>.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// The API key is sent only to the endpoint (as the package sends it: a bearer token) and is never written to logs or
    /// messages. The package's own retries are off: the stack's resilience layer (<c>LlmStack:Chat:Resilience</c>, or the
    /// named model's <c>Resilience</c> keys) is the only one, and it retries 408, 429 and 5xx answers (529 overloaded among
    /// them) after the wait their <c>Retry-After</c> asks for. Once it gives up, such an answer reaches the caller as an
    /// <see cref="HttpRequestException"/> with its <see cref="HttpRequestException.StatusCode"/> and the API's error body;
    /// other errors are the package's own exceptions (such as <c>AnthropicBadRequestException</c>).
    /// Anthropic has no embedding model: for embeddings choose another provider. <c>GetService</c> on the client returns
    /// its <see cref="ChatClientMetadata"/> (provider <c>anthropic</c>, the endpoint and the model). Calling this twice
    /// registers the provider once. The client is thread-safe.
    /// </remarks>
    /// <example>
    /// <code>
    /// // appsettings.json: { "LlmStack": { "Chat": { "Provider": "anthropic", "Model": "claude-sonnet-4-5" } } }, key in ANTHROPIC_API_KEY
    /// services.AddLlmStack(configuration).AddAnthropicProvider();
    /// </code>
    /// </example>
    public static LlmStackBuilder AddAnthropicProvider(this LlmStackBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddChatProvider(ProviderName, context => CreateClient(context.Configuration));
        return builder;
    }

    private static TransientErrorChatClient CreateClient(IConfigurationSection section)
    {
        // AddLlmStack(configuration) has validated the section: Model is set, a key is given (here or in the environment),
        // and Endpoint, when given, is an absolute http(s) URI.
        string model = section["Model"] is { Length: > 0 } value ? value : throw new InvalidOperationException($"{section.Path}:Model is required when the provider is 'anthropic'.");
        string apiKey = section["ApiKey"] is { Length: > 0 } key ? key
            : Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
            : throw new InvalidOperationException($"{section.Path}:ApiKey is required when the provider is 'anthropic' (or set the {ApiKeyEnvironmentVariable} environment variable).");
        int maxOutputTokens = int.TryParse(section["MaxOutputTokens"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int configured) && configured > 0
            ? configured
            : DefaultMaxOutputTokens;
        // Llm.Stack's resilience layer, which the stack puts over every configured remote chat model, is the only retry layer:
        // the package's own retries are off, and its transient answers reach the layer with their status and Retry-After.
        var client = section["Endpoint"] is { Length: > 0 } endpoint
            ? new AnthropicClient { ApiKey = apiKey, BaseUrl = endpoint.TrimEnd('/'), MaxRetries = 0, Handlers = [new TransientStatusHandler()] }
            : new AnthropicClient { ApiKey = apiKey, MaxRetries = 0, Handlers = [new TransientStatusHandler()] };
        return new TransientErrorChatClient(client.AsIChatClient(model, maxOutputTokens));
    }
}
