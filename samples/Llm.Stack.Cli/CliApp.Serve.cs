using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

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

            IChatClient served = useRag ? new RagChatClient(stack.Rag, "llmstack-rag") : chat!;
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
}
