using Llm.Stack.Local;
using Llm.Stack.Onnx;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack.Cli;

/// <summary>
/// Everything one CLI run needs, composed from the configuration with the same registrations an app would make:
/// the embedder, the persisted in-memory index and its collection, the ingestion pipeline, the retriever and the
/// RAG pipeline, and the chat model when one is configured.
/// </summary>
internal sealed class CliStack : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private CliStack(ServiceProvider services, LlmStackOptions options, string dataDirectory)
    {
        _services = services;
        Options = options;
        DataDirectory = dataDirectory;
    }

    public LlmStackOptions Options { get; }

    public string DataDirectory { get; }

    public IServiceProvider Services => _services;

    public IEmbeddingGenerator<string, Embedding<float>> Embedder => _services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

    public IChatClient? ChatClient => _services.GetService<IChatClient>();

    public LocalIndex Index => _services.GetRequiredService<LocalIndex>();

    public IngestionPipeline Ingestion => _services.GetRequiredService<IngestionPipeline>();

    public RagPipeline Rag => _services.GetRequiredService<RagPipeline>();

    public IRetriever Retriever => _services.GetRequiredService<IRetriever>();

    /// <summary>Validates the configuration and composes the stack; nothing heavy is loaded until first used.</summary>
    public static CliStack Create(IConfiguration configuration, string workingDirectory)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        LlmStackBuilder stack = services.AddLlmStack(configuration);

        // Validate and read the options the way the host would at start.
        LlmStackOptions options;
        using (ServiceProvider probe = services.BuildServiceProvider())
        {
#pragma warning disable SYSLIB0066 // replaced by validation inside AddLlmStack (issue: configuration that acts)
            probe.GetRequiredService<IStartupValidator>().Validate();
#pragma warning restore SYSLIB0066
            options = probe.GetRequiredService<IOptions<LlmStackOptions>>().Value;
        }

        string dataDirectory = Path.GetFullPath(options.DataDirectory, workingDirectory);
        AddEmbedder(stack, options.Embeddings, workingDirectory);
        AddChatClient(stack, options.Chat, workingDirectory);

        // The same offline defaults an app gets from one call; the embedder and chat model above take precedence.
        stack.AddLocalDefaults(dataDirectory, o =>
        {
            o.CollectionName = options.VectorStore.CollectionName;
            o.IndexKind = options.VectorStore.IndexKind;
        });
        stack.AddDocumentFormatReaders();

        // The chat model's window and answer length, when configured, shape the RAG prompt budget.
        services.Configure<RagOptions>(rag =>
        {
            if (options.Chat.ContextWindow is int window)
            {
                rag.ContextWindowTokens = window;
            }

            if (options.Chat.MaxOutputTokens is int maxOutput)
            {
                rag.MaxAnswerTokens = maxOutput;
            }
        });

        return new CliStack(services.BuildServiceProvider(), options, dataDirectory);
    }

    private static void AddEmbedder(LlmStackBuilder stack, EmbeddingModelSettings settings, string workingDirectory)
    {
        switch (settings.Provider.ToLowerInvariant())
        {
            case EmbeddingProviders.MiniLm:
                stack.AddMiniLmEmbeddingGenerator(o => o.BatchSize = settings.BatchSize);
                break;
            case EmbeddingProviders.Onnx:
                string modelPath = Path.GetFullPath(settings.ModelPath!, workingDirectory);
                stack.AddEmbeddingGenerator(_ => new OnnxEmbeddingGenerator(modelPath, new OnnxEmbeddingGeneratorOptions { BatchSize = settings.BatchSize }));
                break;
            case EmbeddingProviders.OpenAI:
                stack.AddEmbeddingGenerator(_ => OpenAIClients.CreateEmbeddingGenerator(settings));
                break;
        }
    }

    private static void AddChatClient(LlmStackBuilder stack, ChatModelSettings settings, string workingDirectory)
    {
        switch (settings.Provider.ToLowerInvariant())
        {
            case ChatProviders.Onnx:
                string modelPath = Path.GetFullPath(settings.ModelPath!, workingDirectory);
                if (!Directory.Exists(modelPath))
                {
                    throw new CliException($"The model folder '{modelPath}' (LlmStack:Chat:ModelPath) does not exist.");
                }

                stack.AddChatClient(_ => new OnnxChatClient(modelPath));
                break;
            case ChatProviders.OpenAI:
                stack.AddChatClient(_ => OpenAIClients.CreateChatClient(settings));
                break;
        }
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
