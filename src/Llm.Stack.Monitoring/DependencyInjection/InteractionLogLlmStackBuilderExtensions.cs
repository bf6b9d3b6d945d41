using Llm.Stack;
using Llm.Stack.Monitoring;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the interaction log on an <see cref="LlmStackBuilder"/>.</summary>
public static class InteractionLogLlmStackBuilderExtensions
{
    /// <summary>
    /// Registers the <see cref="InteractionLog"/> (a singleton that stores records in batches on a background task and
    /// stores what is queued when the service provider is disposed) and, unless an <see cref="IInteractionStore"/> is
    /// registered already, a <see cref="SqliteInteractionStore"/> in the file <see cref="InteractionLogOptions.Path"/>
    /// under <c>LlmStack:DataDirectory</c>. Then add <c>UseInteractionLog()</c> to the chat client's builder; the
    /// <see cref="RagPipeline"/> of <c>AddRag()</c> records its answers by itself.
    /// </summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Configures the options after the <c>LlmStack:InteractionLog</c> section; <see langword="null"/> for none.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// services.AddLlmStack(configuration, stack => stack.AddInteractionLog(o => o.IncludeContent = true));
    /// services.AddChatClient(chatModel).UseInteractionLog().UseRetrievalAugmentation();
    /// </code>
    /// </example>
    public static LlmStackBuilder AddInteractionLog(this LlmStackBuilder builder, Action<InteractionLogOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        OptionsBuilder<InteractionLogOptions> options = builder.Services.AddOptions<InteractionLogOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddSingleton<IInteractionStore>(sp =>
        {
            InteractionLogOptions log = sp.GetRequiredService<IOptions<InteractionLogOptions>>().Value;
            string dataDirectory = sp.GetService<IOptions<LlmStackOptions>>()?.Value.DataDirectory ?? new LlmStackOptions().DataDirectory;
            return new SqliteInteractionStore(Path.Combine(dataDirectory, log.Path), log.MaxAge, log.MaxSizeMegabytes * 1024L * 1024L);
        });
        builder.Services.TryAddSingleton(sp => new InteractionLog(
            sp.GetRequiredService<IInteractionStore>(),
            sp.GetRequiredService<IOptions<InteractionLogOptions>>().Value,
            sp.GetService<ILogger<InteractionLog>>()));
        return builder;
    }
}
