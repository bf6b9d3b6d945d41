using Llm.Stack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.AI;

/// <summary>Adds guardrails (<see cref="GuardrailChatClient"/>) to a <see cref="ChatClientBuilder"/>.</summary>
public static class GuardrailChatClientBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="GuardrailChatClient"/>: personal data in the input is replaced by placeholders that are restored
    /// in the answer, prompt injections and harmful content in user messages are blocked, personal data the model writes
    /// is redacted and harmful content it writes blocked, streamed answers included; what each stage does is set in
    /// <see cref="GuardrailOptions"/>.
    /// </summary>
    /// <param name="builder">The chat client builder.</param>
    /// <param name="configure">
    /// Configures the options; <see langword="null"/> for the defaults. When the options name no
    /// <see cref="GuardrailOptions.InjectionClassifier"/> or <see cref="GuardrailOptions.ContentClassifier"/>, a registered
    /// <see cref="IPromptInjectionClassifier"/> or <see cref="IContentClassifier"/> is used;
    /// the logger comes from the registered <see cref="ILoggerFactory"/>.
    /// </param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>When every action is <see cref="GuardrailAction.Allow"/>, no layer is added.</remarks>
    /// <example>
    /// <code>
    /// IChatClient client = new ChatClientBuilder(model)
    ///     .UseGuardrails(o => o.OutputPii = GuardrailAction.Block)
    ///     .Build();
    /// </code>
    /// </example>
    public static ChatClientBuilder UseGuardrails(this ChatClientBuilder builder, Action<GuardrailOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var options = new GuardrailOptions();
            configure?.Invoke(options);
            if (options is { InputPii: GuardrailAction.Allow, InputInjection: GuardrailAction.Allow, ToolResultInjection: GuardrailAction.Allow, OutputPii: GuardrailAction.Allow, OutputInjection: GuardrailAction.Allow, InputContent: GuardrailAction.Allow, OutputContent: GuardrailAction.Allow })
            {
                return inner;
            }

            options.InjectionClassifier ??= services.GetService<IPromptInjectionClassifier>();
            options.ContentClassifier ??= services.GetService<IContentClassifier>();
            ILogger? logger = services.GetService<ILoggerFactory>()?.CreateLogger<GuardrailChatClient>();
            return new GuardrailChatClient(inner, options, logger);
        });
    }
}
