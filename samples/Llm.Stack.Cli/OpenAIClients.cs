using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Llm.Stack.Cli;

/// <summary>The minimal registration of an OpenAI-compatible endpoint through Microsoft.Extensions.AI.OpenAI.</summary>
internal static class OpenAIClients
{
    public static IChatClient CreateChatClient(ChatModelSettings settings) =>
        CreateClient(settings.Endpoint!, settings.ApiKey).GetChatClient(settings.Model!).AsIChatClient();

    public static IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(EmbeddingModelSettings settings) =>
        CreateClient(settings.Endpoint!, settings.ApiKey).GetEmbeddingClient(settings.Model!).AsIEmbeddingGenerator();

    private static OpenAIClient CreateClient(Uri endpoint, string? apiKey) =>
        new(new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "unused" : apiKey), new OpenAIClientOptions { Endpoint = endpoint });
}
