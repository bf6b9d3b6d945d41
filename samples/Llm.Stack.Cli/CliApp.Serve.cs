using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.Cli;

internal sealed partial class CliApp
{
    private Command BuildServeCommand()
    {
        var port = new Option<int>("--port") { Description = "The port on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var rag = new Option<bool>("--rag") { Description = "Answer each request from the indexed documents (retrieval-augmented, with citations)." };
        var command = new Command("serve", "Serve the configured chat model as an OpenAI-compatible endpoint on 127.0.0.1 (POST /v1/chat/completions).")
        {
            port, rag,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            int portNumber = parsed.GetValue(port);
            if (portNumber is < 0 or > 65535)
            {
                throw new CliException($"--port must be from 0 to 65535, but is {portNumber}.");
            }

            bool useRag = parsed.GetValue(rag);
            await using CliStack stack = CliStack.Create(LoadConfiguration(parsed), _workingDirectory);
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
            string modelId = served.GetService<ChatClientMetadata>()?.DefaultModelId ?? "llmstack";
            await using WebApplication app = OpenAICompatibleServer.Build(portNumber, modelId, served.GetStreamingResponseAsync);
            await app.StartAsync(cancellationToken);
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            await _out.WriteLineAsync($"Serving {modelId} at {address}/v1 (OpenAI-compatible). Press Ctrl-C to stop.");
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
    /// The RAG pipeline as a chat client (<c>serve --rag</c>, <c>eval</c>): the configured chat model with
    /// <c>UseRetrievalAugmentation</c>, or extractive answers when none is configured.
    /// </summary>
    private static IChatClient CreateRagChatClient(CliStack stack, bool includeSources = true)
    {
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
