using Llm.Stack;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the retrieval-augmented answer pipeline, retrievers and rerankers on an <see cref="LlmStackBuilder"/>.</summary>
public static class RagLlmStackBuilderExtensions
{
    /// <summary>
    /// Registers <see cref="RagPipeline"/> as a singleton. It resolves the <see cref="IRetriever"/> (required),
    /// and, when registered, the <see cref="IChatClient"/> (otherwise answers are extractive; with
    /// <c>LlmStack:Rag:ChatModel</c>, the keyed chat model of that name, such as one of <c>LlmStack:ChatModels</c>), an
    /// <see cref="IReranker"/> (else, when an <see cref="ICrossEncoder"/> is registered, a <see cref="CrossEncoderReranker"/>
    /// over it), a <see cref="Tokenizer"/> to count prompt tokens with, logging, and an <see cref="InteractionLog"/> to
    /// record each answer in (unless <see cref="InteractionLogOptions.Enabled"/> is off; a store that cannot be opened,
    /// such as one in a read-only folder, is logged as a warning and answers are then not recorded).
    /// </summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Configures the default <see cref="RagOptions"/>; <see langword="null"/> for the defaults.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// services.AddLlmStack(stack => stack
    ///     .AddRetriever(sp => new Bm25Retriever(index, chunks.GetValueOrDefault))
    ///     .AddRag(o => o.Top = 4));
    /// RagAnswer answer = await provider.GetRequiredService&lt;RagPipeline&gt;().AskAsync("What is …?");
    /// </code>
    /// </example>
    public static LlmStackBuilder AddRag(this LlmStackBuilder builder, Action<RagOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        OptionsBuilder<RagOptions> options = builder.Services.AddOptions<RagOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddSingleton(sp =>
        {
            IRetriever retriever = sp.GetService<IRetriever>()
                ?? throw new InvalidOperationException("RagPipeline needs an IRetriever: register one with builder.AddRetriever(...) before resolving it.");
            return new RagPipeline(
                retriever,
                PipelineModels.RagChatClient(sp),
                sp.GetService<IReranker>() ?? (sp.GetService<ICrossEncoder>() is { } crossEncoder ? new CrossEncoderReranker(crossEncoder) : null),
                sp.GetRequiredService<IOptions<RagOptions>>().Value,
                sp.GetService<Tokenizer>(),
                sp.GetService<ILogger<RagPipeline>>())
            {
                InteractionLog = InteractionLog.Resolve(sp),
            };
        });
        return builder;
    }

    /// <summary>Registers the stack's <see cref="IRetriever"/>, replacing any registered before.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="factory">Creates the retriever.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="factory"/> is <see langword="null"/>.</exception>
    public static LlmStackBuilder AddRetriever(this LlmStackBuilder builder, Func<IServiceProvider, IRetriever> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<IRetriever>();
        builder.Services.AddSingleton(factory);
        return builder;
    }

    /// <summary>Registers the stack's <see cref="IReranker"/>, replacing any registered before.</summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="factory">Creates the reranker.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="factory"/> is <see langword="null"/>.</exception>
    public static LlmStackBuilder AddReranker(this LlmStackBuilder builder, Func<IServiceProvider, IReranker> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<IReranker>();
        builder.Services.AddSingleton(factory);
        return builder;
    }
}
