using Llm.Stack;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the interaction log (<see cref="InteractionLogChatClient"/>) to a <see cref="ChatClientBuilder"/>.</summary>
public static class InteractionLogChatClientBuilderExtensions
{
    /// <summary>
    /// Adds an <see cref="InteractionLogChatClient"/> that records every call in the <see cref="InteractionLog"/>:
    /// the one given, else the one registered (<c>AddInteractionLog()</c> in Llm.Stack.Monitoring registers it with a
    /// SQLite store under the data directory).
    /// </summary>
    /// <param name="builder">The chat client builder.</param>
    /// <param name="log">The log; <see langword="null"/> to resolve the registered one.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">When the client is built: no <paramref name="log"/> was given and none is registered.</exception>
    /// <remarks>
    /// Add it first (outermost) so that it sees the whole call, guardrail blocks and retries included, and above
    /// <c>UseRetrievalAugmentation()</c> so that the record carries the query, sources and citations. When the log is
    /// disabled (<see cref="InteractionLogOptions.Enabled"/>), no layer is added.
    /// </remarks>
    /// <example>
    /// <code>
    /// builder.Services.AddChatClient(chatModel)
    ///     .UseInteractionLog()
    ///     .UseRetrievalAugmentation();
    /// </code>
    /// </example>
    public static ChatClientBuilder UseInteractionLog(this ChatClientBuilder builder, InteractionLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            InteractionLog resolved = log ?? services.GetService<InteractionLog>()
                ?? throw new InvalidOperationException("UseInteractionLog() found no InteractionLog: register one with stack.AddInteractionLog() (Llm.Stack.Monitoring), or pass one.");
            return resolved.IsEnabled ? new InteractionLogChatClient(inner, resolved) : inner;
        });
    }
}
