// The AddLlmStack example of README.md (between the README markers, checked by ReadmeSnippetsTests), built with the solution; `dotnet run` runs it.
using Llm.Stack;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);

// README: AddLlmStack
builder.Services.AddLlmStack(builder.Configuration)           // binds and validates the "LlmStack" section
    .AddChatClient(sp => new EchoChatClient())                 // any IChatClient: ONNX, OpenAI, Ollama …
    .UseLogging()
    .UseFunctionInvocation();
// README: end

// Microsoft.Extensions.AI middleware composes: the first layer added is the outermost. An invalid "LlmStack"
// setting has already failed inside AddLlmStack, naming the key.
using IHost host = builder.Build();
await host.StartAsync();

IChatClient chat = host.Services.GetRequiredService<IChatClient>();
ChatResponse answer = await chat.GetResponseAsync("What is Llm.Stack?");
Console.WriteLine(answer.Text);

LlmStackOptions options = host.Services.GetRequiredService<IOptions<LlmStackOptions>>().Value;
Console.WriteLine($"chat provider: {options.Chat.Provider}; embeddings: {options.Embeddings.Provider}; store: {options.VectorStore.Provider} in {Path.GetFullPath(options.DataDirectory)}");
await host.StopAsync();

/// <summary>A stand-in model for the sample: it answers by quoting the question back.</summary>
internal sealed class EchoChatClient : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"You asked: \"{messages.Last().Text}\". Configure LlmStack:Chat to use a real model.")));

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (ChatResponseUpdate update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
