using System.CommandLine;
using System.Runtime.CompilerServices;
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

            string modelId = useRag ? "llmstack-rag" : chat!.GetService<ChatClientMetadata>()?.DefaultModelId ?? "llmstack";
            await using WebApplication app = OpenAICompatibleServer.Build(portNumber, modelId, useRag
                ? (messages, options, ct) => AnswerWithRagAsync(stack.Rag, messages, ct)
                : (messages, options, ct) => chat!.GetStreamingResponseAsync(messages, options, ct));
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

    /// <summary>Answers the last user message from the documents, with the earlier messages as history; citations are appended.</summary>
    private static async IAsyncEnumerable<ChatResponseUpdate> AnswerWithRagAsync(RagPipeline rag, IList<ChatMessage> messages, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ChatMessage question = messages.LastOrDefault(m => m.Role == ChatRole.User) ?? messages[^1];
        var history = messages.Where(m => m != question && m.Role != ChatRole.System).ToList();
        RagAnswer? answer = null;
        await foreach (RagAnswerUpdate update in rag.AskStreamingAsync(question.Text, new RagOptions { History = history }, cancellationToken))
        {
            if (update.Text is { Length: > 0 } text)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, text);
            }

            answer = update.Answer ?? answer;
        }

        if (answer is { Citations.Count: > 0 })
        {
            var sources = string.Join("\n", answer.Citations.DistinctBy(c => c.Marker).OrderBy(c => c.Marker)
                .Select(c => $"[{c.Marker}] {c.Source ?? c.DocumentId}{(c.PageNumber is int p ? $", page {p}" : string.Empty)}"));
            yield return new ChatResponseUpdate(ChatRole.Assistant, "\n\nSources:\n" + sources);
        }

        yield return new ChatResponseUpdate { FinishReason = ChatFinishReason.Stop };
    }
}
