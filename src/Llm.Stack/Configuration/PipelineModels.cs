using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack;

/// <summary>
/// The models the stack's pipelines call: the named ones that <c>LlmStack:Rag:ChatModel</c> and
/// <c>LlmStack:Ingestion:EmbeddingModel</c> select (keyed services), else the default (unkeyed) ones. Reading the options
/// runs their validation, so an unknown name fails here with its key path (<see cref="PipelineModelValidator"/>).
/// </summary>
internal static class PipelineModels
{
    /// <summary>The chat model the RAG pipeline answers with; <see langword="null"/> when none is registered (extractive answers).</summary>
    public static IChatClient? RagChatClient(IServiceProvider services) =>
        Options(services)?.RagChatModel is { } name
            ? services.GetRequiredKeyedService<IChatClient>(name)
            : services.GetService<IChatClient>();

    /// <summary>The embedding model ingestion embeds chunks with, and the local index embeds queries with; <see langword="null"/> when none is registered.</summary>
    public static IEmbeddingGenerator<string, Embedding<float>>? IngestionEmbeddingGenerator(IServiceProvider services) =>
        Options(services)?.IngestionEmbeddingModel is { } name
            ? services.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(name)
            : services.GetService<IEmbeddingGenerator<string, Embedding<float>>>();

    /// <summary>The settings of the chat model the RAG pipeline answers with, when configuration describes it (the default model, or a named one).</summary>
    public static ChatModelSettings? RagChatModelSettings(LlmStackOptions options) =>
        options.RagChatModel is not { } name ? options.Chat
        : options.ChatModels.TryGetValue(name, out ChatModelSettings? settings) ? settings
        : null;

    private static LlmStackOptions? Options(IServiceProvider services) => services.GetService<IOptions<LlmStackOptions>>()?.Value;
}
