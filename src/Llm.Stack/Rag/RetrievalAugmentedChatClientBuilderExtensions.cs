using Llm.Stack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;

namespace Microsoft.Extensions.AI;

/// <summary>Adds retrieval-augmented answering (<see cref="RetrievalAugmentedChatClient"/>) to a <see cref="ChatClientBuilder"/>.</summary>
public static class RetrievalAugmentedChatClientBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="RetrievalAugmentedChatClient"/>: the last user message is answered from the sources the
    /// retriever finds, by the clients below this layer, with <c>[n]</c> citations and a list of the sources.
    /// </summary>
    /// <param name="builder">The chat client builder.</param>
    /// <param name="retriever">
    /// The retriever; <see langword="null"/> to resolve the registered <see cref="IRetriever"/> when the client is built.
    /// The registered <see cref="IReranker"/> (else a <see cref="CrossEncoderReranker"/> over a registered
    /// <see cref="ICrossEncoder"/>), <see cref="RagOptions"/>, <see cref="Tokenizer"/> and logging are resolved too.
    /// </param>
    /// <param name="configure">Configures the client (for example <see cref="RetrievalAugmentedChatClient.IncludeSources"/>); <see langword="null"/> for none.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">When built: no retriever is given and none is registered.</exception>
    /// <example>
    /// <code>
    /// services.AddChatClient(chatModel).UseRetrievalAugmentation();
    /// ChatResponse answer = await provider.GetRequiredService&lt;IChatClient&gt;().GetResponseAsync("Which volcano erupted in 2010?");
    /// </code>
    /// </example>
    public static ChatClientBuilder UseRetrievalAugmentation(this ChatClientBuilder builder, IRetriever? retriever = null, Action<RetrievalAugmentedChatClient>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var client = new RetrievalAugmentedChatClient(
                inner,
                retriever ?? services.GetService<IRetriever>()
                    ?? throw new InvalidOperationException("UseRetrievalAugmentation needs an IRetriever: pass one, or register one with builder.AddRetriever(...) (or AddLocalDefaults)."),
                services.GetService<IReranker>() ?? (services.GetService<ICrossEncoder>() is { } crossEncoder ? new CrossEncoderReranker(crossEncoder) : null),
                services.GetService<IOptions<RagOptions>>()?.Value,
                services.GetService<Tokenizer>(),
                services.GetService<ILogger<RagPipeline>>());
            configure?.Invoke(client);
            return client;
        });
    }
}
