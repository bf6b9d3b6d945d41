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
    private readonly string? _ingestionEmbeddingModel;

    private CliStack(ServiceProvider services, LlmStackOptions options, string dataDirectory, string? ingestionEmbeddingModel)
    {
        _services = services;
        _ingestionEmbeddingModel = ingestionEmbeddingModel;
        Options = options;
        DataDirectory = dataDirectory;
    }

    public LlmStackOptions Options { get; }

    public string DataDirectory { get; }

    public IServiceProvider Services => _services;

    /// <summary>Gets the embedder of the index: <c>LlmStack:Ingestion:EmbeddingModel</c>'s named model, else the default one.</summary>
    public IEmbeddingGenerator<string, Embedding<float>> Embedder => _ingestionEmbeddingModel is { } name
        ? _services.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(name)
        : _services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

    public IChatClient? ChatClient => _services.GetService<IChatClient>();

    public LocalIndex Index => _services.GetRequiredService<LocalIndex>();

    public IngestionPipeline Ingestion => _services.GetRequiredService<IngestionPipeline>();

    public RagPipeline Rag => _services.GetRequiredService<RagPipeline>();

    public IRetriever Retriever => _services.GetRequiredService<IRetriever>();

    /// <summary>Gets the interaction log, opening its store; <see langword="null"/> when <c>LlmStack:InteractionLog:Enabled</c> is false.</summary>
    public InteractionLog? InteractionLog =>
        _services.GetRequiredService<IOptions<InteractionLogOptions>>().Value.Enabled ? _services.GetRequiredService<InteractionLog>() : null;

    /// <summary>Validates the configuration and composes the stack; nothing heavy is loaded until first used.</summary>
    /// <remarks>
    /// All the wiring is the library's: the configuration selects the providers (<c>openai</c> for a hosted or local
    /// endpoint, <c>onnx</c>/<c>minilm</c> offline; <c>postgres</c> or <c>chroma</c> for the vector store), the local
    /// defaults add the persisted index (or the configured store), retrieval and RAG.
    /// The CLI only makes relative paths relative to its working directory.
    /// </remarks>
    public static CliStack Create(IConfiguration configuration, string workingDirectory)
    {
        configuration = WithAbsolutePaths(configuration, workingDirectory);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLlmStack(configuration)
            .AddOpenAIProvider()
            .AddPostgresVectorStoreProvider()
            .AddChromaVectorStoreProvider()
            .AddLocalDefaults()
            .AddDocumentFormatReaders();

        ServiceProvider provider = services.BuildServiceProvider();
        LlmStackOptions options = provider.GetRequiredService<IOptions<LlmStackOptions>>().Value;
        // LlmStack:Ingestion:EmbeddingModel (validated by AddLlmStack) names the keyed model, spelled as its section is.
        string? ingestionModel = configuration["LlmStack:Ingestion:EmbeddingModel"] is { Length: > 0 } named
            ? options.EmbeddingModels.Keys.FirstOrDefault(k => string.Equals(k, named, StringComparison.OrdinalIgnoreCase)) ?? named
            : null;
        return new CliStack(provider, options, options.DataDirectory, ingestionModel);
    }

    /// <summary>Resolves <c>DataDirectory</c> and the model folders against the CLI's working directory.</summary>
    private static IConfiguration WithAbsolutePaths(IConfiguration configuration, string workingDirectory)
    {
        string[] keys = ["LlmStack:DataDirectory", "LlmStack:Chat:ModelPath", "LlmStack:Embeddings:ModelPath", "LlmStack:Embeddings:Adapter"];
        var absolute = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["LlmStack:DataDirectory"] = Path.GetFullPath(configuration["LlmStack:DataDirectory"] is { Length: > 0 } d ? d : new LlmStackOptions().DataDirectory, workingDirectory),
        };
        // A named model's folder or adapter file is relative to the working directory too.
        foreach (IConfigurationSection model in configuration.GetSection("LlmStack:ChatModels").GetChildren().Concat(configuration.GetSection("LlmStack:EmbeddingModels").GetChildren()))
        {
            keys = [.. keys, model.Path + ":ModelPath", model.Path + ":Adapter"];
        }

        // So is each LoRA adapter file of a local chat model (LlmStack:Chat:Adapters:<name>).
        foreach (IConfigurationSection chat in configuration.GetSection("LlmStack:ChatModels").GetChildren().Prepend(configuration.GetSection("LlmStack:Chat")))
        {
            keys = [.. keys, .. chat.GetSection("Adapters").GetChildren().Select(adapter => adapter.Path)];
        }

        foreach (string key in keys.Skip(1))
        {
            if (configuration[key] is { Length: > 0 } path)
            {
                absolute[key] = Path.GetFullPath(path, workingDirectory);
            }
        }

        return new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(absolute).Build();
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
