using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Llm.Stack.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Cli;

internal sealed partial class CliApp
{
    /// <summary>The environment variable holding the API key clients of <c>serve</c> must send.</summary>
    internal const string ServerApiKeyVariable = "LLMSTACK_SERVER_API_KEY";

    private Command BuildServeCommand()
    {
        var port = new Option<int?>("--port") { Description = "The port to listen on (0 picks a free one). Default: LlmStack:Server:Port, else 8080." };
        var host = new Option<string?>("--host") { Description = $"The address to listen on. Default: LlmStack:Server:Host, else 127.0.0.1. Any address other than loopback needs an API key in {ServerApiKeyVariable} (or LlmStack:Server:ApiKey)." };
        var rag = new Option<bool>("--rag") { Description = "Answer each request from the indexed documents (retrieval-augmented, with citations)." };
        var command = new Command("serve", "Serve the configured chat model (or RAG answers with --rag) and the embedder as an OpenAI-compatible endpoint: POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models; and the monitoring dashboard at /dashboard. The limits (LlmStack:Server: MaxRequestBodySize, MaxConcurrentRequests, RequestTimeout, AllowedOrigins) come from configuration.")
        {
            port, host, rag,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (parsed.GetValue(port) is int portFlag)
            {
                if (portFlag is < 0 or > 65535)
                {
                    throw new CliException($"--port must be from 0 to 65535, but is {portFlag}.");
                }

                overrides["LlmStack:Server:Port"] = portFlag.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (parsed.GetValue(host) is string hostFlag)
            {
                if (!IPAddress.TryParse(hostFlag, out _))
                {
                    throw new CliException($"--host must be an IP address such as 127.0.0.1 or 0.0.0.0, but is '{hostFlag}'.");
                }

                overrides["LlmStack:Server:Host"] = hostFlag;
            }

            IConfigurationRoot configuration = LoadConfiguration(parsed, overrides);
            if (IPAddress.TryParse(configuration["LlmStack:Server:Host"], out IPAddress? configured)
                && !IPAddress.IsLoopback(configured)
                && string.IsNullOrWhiteSpace(configuration["LlmStack:Server:ApiKey"]))
            {
                throw new CliException($"Listening on {configured} exposes the server beyond this machine: set an API key in {ServerApiKeyVariable} (or LlmStack:Server:ApiKey) first (clients send it as 'Authorization: Bearer <key>').", CliExitCodes.InvalidConfiguration);
            }

            bool useRag = parsed.GetValue(rag);
            await using CliStack stack = CliStack.Create(configuration, _workingDirectory);
            ServerSettings settings = stack.Options.Server;
            IPAddress address = IPAddress.Parse(settings.Host);
            int portNumber = settings.Port;
            IChatClient? chat = stack.ChatClient;
            if (chat is null && !useRag)
            {
                throw new CliException("No chat model is configured: set LlmStack:Chat (or LLMSTACK_ENDPOINT, or --model DIR), or serve extractive answers with --rag.");
            }

            if (useRag)
            {
                await OpenIndexAsync(stack.Index, rebuild: false, cancellationToken);
            }

            IChatClient served = useRag ? CreateRagChatClient(stack) : chat!;

            // Every completion is recorded (LlmStack:InteractionLog, on unless Enabled is false) under the id returned in
            // X-Interaction-Id, and POST /v1/feedback takes feedback on it.
            InteractionLog? log;
            try
            {
                log = stack.InteractionLog;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                await _error.WriteLineAsync($"warning: completions are not recorded: {e.Message}");
                log = null;
            }

            if (log is not null)
            {
                served = new ChatClientBuilder(served).UseInteractionLog(log).Build();
            }

            await using WebApplication app = BuildServer(address, portNumber, served, log, stack);
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e) when (FindSocketError(e) is SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable or SocketError.AccessDenied)
            {
                SocketError error = FindSocketError(e)!.Value;
                throw new CliException(
                    error == SocketError.AddressAlreadyInUse
                        ? $"Port {portNumber} on {address} is already in use: stop the program using it, or choose another port with --port."
                        : error == SocketError.AccessDenied
                            ? $"Listening on port {portNumber} of {address} is not permitted: choose a port above 1023 with --port."
                            : $"The address {address} is not one of this machine's: choose another with --host.",
                    CliExitCodes.AddressUnavailable);
            }

            string listening = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            string modelId = served.GetService<ChatClientMetadata>()?.DefaultModelId ?? "llmstack";
            await _out.WriteLineAsync($"Serving {modelId} at {listening}/v1 (OpenAI-compatible), monitoring at {listening}/dashboard. Press Ctrl-C to stop.");
            await _out.FlushAsync(cancellationToken);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// A slim Kestrel host with the OpenAI endpoints of Llm.Stack.Server over the chat client and the stack's embedder,
    /// limited as <c>LlmStack:Server</c> says (the stack's options, which the endpoints read).
    /// </summary>
    private WebApplication BuildServer(IPAddress address, int port, IChatClient chat, InteractionLog? log, CliStack stack)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TextWriterLoggerProvider(_error));
        builder.Logging.AddFilter((category, level) =>
            category == OpenAIEndpointRouteBuilderExtensions.LogCategory ? level >= LogLevel.Information
            : category?.StartsWith("Microsoft.", StringComparison.Ordinal) == true ? level >= LogLevel.Critical // a failed start is reported once, as one line
            : level >= LogLevel.Warning);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(address, port));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(chat);
        if (log is not null)
        {
            builder.Services.AddSingleton(log);
        }

        builder.Services.AddSingleton(stack.Services.GetRequiredService<IOptions<LlmStackOptions>>());

        // Resolved on the first request that needs it, so serving chat alone never loads the embedder.
        builder.Services.AddSingleton(_ => stack.Embedder);
        WebApplication app = builder.Build();
        app.MapOpenAIEndpoints();
        app.MapLlmStackDashboard();
        return app;
    }

    /// <summary>
    /// The RAG pipeline as a chat client (<c>serve --rag</c>, <c>eval</c>): the configured chat model (or the named
    /// <paramref name="model"/>, within its own context window and answer length) with <c>UseRetrievalAugmentation</c>,
    /// or extractive answers when none is configured.
    /// </summary>
    private static IChatClient CreateRagChatClient(CliStack stack, bool includeSources = true, IChatClient? model = null, ChatModelSettings? settings = null)
    {
        if (model is not null && settings is not null)
        {
            var own = new RagOptions();
            if (settings.ContextWindow is int window)
            {
                own.ContextWindowTokens = window;
            }

            if (settings.MaxOutputTokens is int maxOutput)
            {
                own.MaxAnswerTokens = maxOutput;
            }

            return new RetrievalAugmentedChatClient(
                model,
                stack.Retriever,
                stack.Services.GetService<IReranker>(),
                own.WithDefaults(stack.Services.GetRequiredService<IOptions<RagOptions>>().Value),
                stack.Services.GetService<Tokenizer>(),
                stack.Services.GetService<ILogger<RagPipeline>>())
            {
                IncludeSources = includeSources,
            };
        }

        if (stack.ChatClient is { } chat)
        {
            return new ChatClientBuilder(chat).UseRetrievalAugmentation(stack.Retriever, c => c.IncludeSources = includeSources).Build(stack.Services);
        }

        RetrievalAugmentedChatClient extractive = RetrievalAugmentedChatClient.CreateExtractive(
            stack.Retriever,
            stack.Services.GetService<IReranker>(),
            stack.Services.GetRequiredService<IOptions<RagOptions>>().Value,
            stack.Services.GetService<Tokenizer>(),
            stack.Services.GetService<ILogger<RagPipeline>>());
        extractive.IncludeSources = includeSources;
        return extractive;
    }
}
