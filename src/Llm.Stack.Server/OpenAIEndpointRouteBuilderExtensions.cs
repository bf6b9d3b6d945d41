using Llm.Stack;
using Llm.Stack.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the OpenAI-compatible endpoints (chat completions, embeddings, models) in an ASP.NET Core app.</summary>
public static class OpenAIEndpointRouteBuilderExtensions
{
    /// <summary>The name of the log category every request is logged under, with its status and duration.</summary>
    public const string LogCategory = "Llm.Stack.Server";

    /// <summary>
    /// Maps the OpenAI protocol under <paramref name="prefix"/>: <c>POST chat/completions</c> (streaming as server-sent
    /// events, or not) over the registered <c>IChatClient</c> (add <c>UseRetrievalAugmentation()</c> to its builder
    /// for answers from documents with citations), <c>POST embeddings</c> over the registered
    /// <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c>, <c>GET models</c>, <c>GET models/{id}</c>, and
    /// <c>POST feedback</c> (a person's rating, labels, corrected answer and relevant chunk ids for an answer, recorded
    /// through the registered <c>InteractionLog</c>).
    /// </summary>
    /// <param name="endpoints">The app's endpoint route builder (a <c>WebApplication</c>).</param>
    /// <param name="prefix">The route prefix.</param>
    /// <param name="settings">
    /// Access rules and limits (<c>ApiKey</c>, <c>MaxRequestBodySize</c>, <c>MaxConcurrentRequests</c>,
    /// <c>RequestTimeout</c>, <c>AllowedOrigins</c>), used as given; <see langword="null"/> for those of
    /// <c>LlmStack:Server</c> when the app called <c>AddLlmStack(configuration)</c>, else the defaults (loopback only, no
    /// key). <c>Host</c> and <c>Port</c> are not read here: an ASP.NET Core app binds its own addresses. The settings are
    /// read when a request arrives: change them before mapping, not while serving.
    /// </param>
    /// <returns>The route group of the endpoints, for further conventions.</returns>
    /// <remarks>
    /// Each served model is named by the model id its metadata reports (<c>ChatClientMetadata.DefaultModelId</c>,
    /// <c>EmbeddingGeneratorMetadata.DefaultModelId</c>); a request naming another gets 404 <c>model_not_found</c>.
    /// Every parameter of a request is honoured or refused with a 400 naming it; errors have the OpenAI shape
    /// (<c>{"error": {"message", "type", "param", "code"}}</c>) and never carry internals. The services are
    /// resolved on the first request.
    /// When the chat client has <c>UseInteractionLog()</c>, each chat completion is recorded under an interaction id
    /// returned in the <c>X-Interaction-Id</c> header (also before a stream starts) and as <c>interaction_id</c> in a
    /// non-streamed completion; <c>POST feedback</c> takes <c>{"interaction_id", "rating" (1 to 5), "labels",
    /// "corrected_answer", "relevant_chunk_ids", "irrelevant_chunk_ids", "comment", "user"}</c> and answers 404
    /// <c>interaction_not_found</c> for an unknown id.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="prefix"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// builder.Services.AddChatClient(chatModel).UseRetrievalAugmentation();
    /// WebApplication app = builder.Build();
    /// app.MapOpenAIEndpoints();
    /// </code>
    /// </example>
    public static RouteGroupBuilder MapOpenAIEndpoints(this IEndpointRouteBuilder endpoints, string prefix = "/v1", ServerSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        settings ??= endpoints.ServiceProvider.GetService<IOptions<LlmStackOptions>>()?.Value.Server ?? new ServerSettings();
        ILogger logger = endpoints.ServiceProvider.GetService<ILoggerFactory>()?.CreateLogger(LogCategory) ?? NullLogger.Instance;
        var guard = new OpenAIRequestGuard(settings, logger);
        var models = new ServedModels(endpoints.ServiceProvider);
        var chat = new ChatCompletionsEndpoint(models, guard);
        var embeddings = new EmbeddingsEndpoint(models, guard);
        var feedback = new FeedbackEndpoint(endpoints.ServiceProvider, guard);

        RouteGroupBuilder group = endpoints.MapGroup(prefix);
        group.MapPost("/chat/completions", http => guard.RunAsync(http, chat.HandleAsync));
        group.MapPost("/embeddings", http => guard.RunAsync(http, embeddings.HandleAsync));
        group.MapPost("/feedback", http => guard.RunAsync(http, feedback.HandleAsync));
        group.MapGet("/models", http => guard.RunAsync(http, (h, ct) => ModelsEndpoint.ListAsync(h, models, ct)));
        group.MapGet("/models/{id}", http => guard.RunAsync(http, (h, ct) => ModelsEndpoint.GetAsync(h, models, ct)));
        group.MapMethods("/{**path}", [HttpMethods.Options], guard.PreflightAsync);
        return group;
    }
}
