using Llm.Stack;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.AI;

/// <summary>
/// Adds failover across named models to a <see cref="ChatClientBuilder"/>, on Microsoft.Extensions.AI's own
/// <c>OrderedFailoverChatClient</c>, with the name of the model that answered recorded on the answer.
/// </summary>
public static class FailoverChatClientBuilderExtensions
{
    /// <summary>
    /// The key, in <see cref="ChatResponse.AdditionalProperties"/> and in every streamed
    /// <see cref="ChatResponseUpdate.AdditionalProperties"/>, of the name of the model that answered.
    /// </summary>
    /// <remarks>
    /// A response or update that has properties of its own gets the name added to them; the updates of one streamed call
    /// that have none share one dictionary holding the name (one per call, not one per update).
    /// </remarks>
    public const string AnsweredByKey = "llm_stack.answered_by";

    /// <summary>
    /// Adds failover: each call goes to the builder's client first, then, when it fails before its first streamed
    /// update, to each of <paramref name="fallbackModels"/> in order, never after output has started (Microsoft.Extensions.AI's
    /// <c>OrderedFailoverChatClient</c>). The fallbacks are the chat clients registered under those service keys
    /// (<c>AddKeyedChatClient(name, ...)</c>); the answer names the model that gave it under <see cref="AnsweredByKey"/>.
    /// </summary>
    /// <param name="builder">The chat client builder; its client is the first model.</param>
    /// <param name="primaryName">The name the answer records when the builder's client answers.</param>
    /// <param name="fallbackModels">The service keys of the keyed chat clients to try next, in order.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/>, <paramref name="primaryName"/> or <paramref name="fallbackModels"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="fallbackModels"/> is empty, or a name is empty or repeated (the primary's included).</exception>
    /// <remarks>
    /// Any failure of a model moves the call on, except the caller's cancellation; when every model has failed, the last
    /// model's fault is thrown. The keyed clients are resolved when the builder builds its client, from the service
    /// provider it is given; a name with no registration fails then with an <see cref="InvalidOperationException"/> naming it. Put <c>UseLlmResilience()</c> next to each model
    /// (below this layer), so that each model's transient faults are retried before the next model is tried, and an
    /// open circuit moves calls on at once. Thread-safe; the models' clients are not disposed with it.
    /// </remarks>
    /// <example>
    /// <code>
    /// // appsettings.json: "LlmStack": { "ChatModels": { "primary": { ... }, "backup": { ... } } }
    /// services.AddLlmStack(configuration).AddOpenAIProvider();
    /// services.AddChatClient(sp => sp.GetRequiredKeyedService&lt;IChatClient&gt;("primary")).UseFailover("primary", "backup");
    ///
    /// // or with models registered in code:
    /// services.AddKeyedChatClient("backup", sp => backupModel).UseLlmResilience();
    /// services.AddChatClient(primaryModel).UseFailover("primary", "backup").UseLlmResilience();
    /// </code>
    /// </example>
    public static ChatClientBuilder UseFailover(this ChatClientBuilder builder, string primaryName, params string[] fallbackModels)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(primaryName);
        ArgumentNullException.ThrowIfNull(fallbackModels);
        if (fallbackModels.Length == 0)
        {
            throw new ArgumentException("Name at least one fallback model.", nameof(fallbackModels));
        }

        string[] names = [primaryName, .. fallbackModels];
        if (names.Any(string.IsNullOrWhiteSpace) || names.Distinct(StringComparer.Ordinal).Count() != names.Length)
        {
            throw new ArgumentException("The fallback models' names must be non-empty and distinct, and differ from the primary's.", nameof(fallbackModels));
        }

        return builder.Use((inner, services) =>
        {
            var models = new List<IChatClient> { new NamedModelChatClient(primaryName, inner) };
            foreach (string name in fallbackModels)
            {
                IChatClient model = services.GetKeyedService<IChatClient>(name)
                    ?? throw new InvalidOperationException(
                        $"UseFailover names the model '{name}', but no chat model has that name: configure {LlmStackOptions.SectionName}:ChatModels:{name} (services.AddLlmStack(configuration)) or register one with AddKeyedChatClient(\"{name}\", ...).");
                models.Add(new NamedModelChatClient(name, model));
            }

#pragma warning disable MEAI001 // Microsoft.Extensions.AI's failover is experimental; it is what this method stands on.
            return new OrderedFailoverChatClient(models, leaveOpen: true);
#pragma warning restore MEAI001
        });
    }
}
