using Llm.Stack;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Llm.Stack in an <see cref="IServiceCollection"/>.</summary>
public static class LlmStackServiceCollectionExtensions
{
    /// <summary>Adds the Llm.Stack core services and returns a builder to add models, stores and pipelines.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the stack through the builder; <see langword="null"/> to do it later.</param>
    /// <returns>The <see cref="LlmStackBuilder"/>, so that registrations chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// services.AddLlmStack(stack =>
    /// {
    ///     stack.AddChatClient(sp => new MyProviderChatClient())
    ///          .UseLogging()
    ///          .UseFunctionInvocation();
    /// });
    /// </code>
    /// </example>
#pragma warning disable RS0026, RS0027 // Both overloads have an optional configure callback, as the API shape and MEAI's Add* methods do.
    public static LlmStackBuilder AddLlmStack(this IServiceCollection services, Action<LlmStackBuilder>? configure = null)
#pragma warning restore RS0026, RS0027
    {
        ArgumentNullException.ThrowIfNull(services);

        AddCoreServices(services);
        services.AddOptions<LlmStackOptions>().ValidateOnStart();

        var builder = new LlmStackBuilder(services);
        configure?.Invoke(builder);
        return builder;
    }

    /// <summary>
    /// Adds the Llm.Stack core services configured from the <c>LlmStack</c> section of <paramref name="configuration"/>
    /// (or from <paramref name="configuration"/> itself when it is that section): validates every key now, binds
    /// <see cref="LlmStackOptions"/>, the defaults of <see cref="RagOptions"/> (<c>LlmStack:Rag</c>, and the chat model's
    /// <c>ContextWindow</c> and <c>MaxOutputTokens</c>), of <see cref="IngestionOptions"/> (<c>LlmStack:Ingestion</c>) and of
    /// <see cref="InteractionLogOptions"/> (<c>LlmStack:InteractionLog</c>, used by <c>AddInteractionLog()</c>), of
    /// <see cref="ModelRouterOptions"/> (<c>LlmStack:Router</c>, used by <c>UseModelRouter()</c>),
    /// and registers the chat client, embedding generator and vector store that the <c>Provider</c> keys select, and the
    /// <see cref="ITextChunker"/> that <c>LlmStack:Chunking</c> describes (<c>Chunker</c>: <c>Recursive</c>, <c>Token</c>,
    /// <c>Sentence</c>, <c>Structure</c> or <c>Semantic</c>; the other keys are its options' settable properties, such as
    /// <c>MaxTokens</c> and <c>OverlapTokens</c>; it counts with the embedding model's tokenizer up to its input limit).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application's configuration, or its <c>LlmStack</c> section.</param>
    /// <param name="configure">Configures the stack through the builder; <see langword="null"/> to do it later.</param>
    /// <returns>The <see cref="LlmStackBuilder"/>, so that registrations chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <exception cref="OptionsValidationException">
    /// A key is unknown, a value is of the wrong form or out of range, or a required setting is missing. The
    /// <see cref="OptionsValidationException.Failures"/> name the full key path of each problem, such as
    /// <c>LlmStack:Chat:Modle is not a known key. Did you mean LlmStack:Chat:Model?</c>
    /// </exception>
    /// <remarks>
    /// <para>
    /// <c>LlmStack:Rag:ChatModel</c> points the RAG pipeline (<c>AddRag()</c>, <c>AddLocalDefaults()</c>) at a named chat model,
    /// and <c>LlmStack:Ingestion:EmbeddingModel</c> points ingestion (<c>AddIngestion()</c>, <c>AddLocalDefaults()</c>, and the
    /// local index's queries, which must be embedded by the same model) at a named embedding model: a model of
    /// <c>LlmStack:ChatModels</c> / <c>LlmStack:EmbeddingModels</c>, or one registered in code as a keyed service under that
    /// name. The RAG pipeline's context window and answer length then come from that model's <c>ContextWindow</c> and
    /// <c>MaxOutputTokens</c>. A name that is neither fails when the options are first read, naming the key.
    /// </para>
    /// <para>
    /// A <c>Provider</c> value selects among the providers that packages registered through the builder
    /// (<c>AddOpenAIProvider()</c>, <c>AddOnnxProvider()</c>, <c>AddMiniLmProvider()</c>, <c>AddInMemoryVectorStoreProvider()</c>,
    /// or <c>AddLocalDefaults</c> for the offline ones). A provider no package registered fails when the options are first
    /// read (at host start, or when the service is first resolved), naming the package and the call to add.
    /// </para>
    /// <para>
    /// Code registrations win over configuration: an <see cref="Microsoft.Extensions.AI.IChatClient"/>, embedding generator,
    /// <see cref="Microsoft.Extensions.VectorData.VectorStore"/> or <see cref="ITextChunker"/> registered in code, before or after this call, is the one
    /// resolved, and a callback given to <c>AddRag</c> or <c>AddIngestion</c> runs after the configured values.
    /// </para>
    /// </remarks>
#pragma warning disable RS0026 // See above.
    public static LlmStackBuilder AddLlmStack(this IServiceCollection services, IConfiguration configuration, Action<LlmStackBuilder>? configure = null)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        IConfiguration section = configuration is IConfigurationSection { Key: LlmStackOptions.SectionName }
            ? configuration
            : configuration.GetSection(LlmStackOptions.SectionName);
        LlmStackOptions options = LlmStackConfiguration.Read(section);

        AddCoreServices(services);
        services.AddOptions<LlmStackOptions>()
            .Configure(o => LlmStackConfiguration.Bind(section, o, LlmStackOptions.SectionName))
            .ValidateOnStart();
        services.AddOptions<RagOptions>().Configure<IOptions<LlmStackOptions>>((rag, stack) =>
        {
            // The window of the model the pipeline answers with: LlmStack:Rag:ChatModel's, else LlmStack:Chat's.
            ChatModelSettings? chat = PipelineModels.RagChatModelSettings(stack.Value);
            if (chat?.ContextWindow is int window)
            {
                rag.ContextWindowTokens = window;
            }

            if (chat?.MaxOutputTokens is int maxOutput)
            {
                rag.MaxAnswerTokens = maxOutput;
            }

            LlmStackConfiguration.Bind(section.GetSection(LlmStackConfiguration.RagSection), rag, $"{LlmStackOptions.SectionName}:{LlmStackConfiguration.RagSection}");
        });
        services.AddOptions<IngestionOptions>().Configure(ingestion =>
            LlmStackConfiguration.Bind(section.GetSection(LlmStackConfiguration.IngestionSection), ingestion, $"{LlmStackOptions.SectionName}:{LlmStackConfiguration.IngestionSection}"));
        services.AddOptions<InteractionLogOptions>().Configure(log =>
            LlmStackConfiguration.Bind(section.GetSection(LlmStackConfiguration.InteractionLogSection), log, $"{LlmStackOptions.SectionName}:{LlmStackConfiguration.InteractionLogSection}"));

        services.AddOptions<GuardrailOptions>().Configure<IServiceProvider>((guard, sp) =>
        {
            LlmStackConfiguration.Bind(section.GetSection(LlmStackConfiguration.GuardrailsSection), guard, $"{LlmStackOptions.SectionName}:{LlmStackConfiguration.GuardrailsSection}");
            guard.InjectionClassifier ??= sp.GetService<IPromptInjectionClassifier>();
            guard.ContentClassifier ??= sp.GetService<IContentClassifier>();
        });

        services.AddOptions<ModelRouterOptions>().Configure(router =>
            RouterConfiguration.Configure(section.GetSection(RouterConfiguration.SectionName), router));

        IConfigurationSection chunking = section.GetSection(ChunkingConfiguration.SectionName);
        if (chunking.GetChildren().Any())
        {
            services.TryAddSingleton<ITextChunker>(sp =>
                ChunkingConfiguration.Create(chunking, $"{LlmStackOptions.SectionName}:{ChunkingConfiguration.SectionName}", sp));
        }

        var providers = new ConfiguredProviders(services, section) 
        {
            // Present, even empty ("Guardrails": {} for the defaults): an empty section has no value and no children, but is listed.
            Guarded = section.GetChildren().Any(c => string.Equals(c.Key, LlmStackConfiguration.GuardrailsSection, StringComparison.OrdinalIgnoreCase)),
        };
        providers.Register(options);
        services.AddSingleton<IValidateOptions<LlmStackOptions>>(new ConfiguredProviderValidator(providers));

        var builder = new LlmStackBuilder(services);
        configure?.Invoke(builder);
        return builder;
    }

    private static void AddCoreServices(IServiceCollection services)
    {
        services.AddOptions();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmStackOptions>, LlmStackOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmStackOptions>, PipelineModelValidator>());
    }
}
