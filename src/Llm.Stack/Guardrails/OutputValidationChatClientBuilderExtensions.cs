using Llm.Stack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.AI;

/// <summary>Adds output validation (<see cref="OutputValidationChatClient"/>) to a <see cref="ChatClientBuilder"/>.</summary>
public static class OutputValidationChatClientBuilderExtensions
{
    /// <summary>
    /// Adds an <see cref="OutputValidationChatClient"/>: structured output (a JSON <see cref="ChatOptions.ResponseFormat"/>)
    /// is validated against its schema and repaired with one more round trip when invalid, and answers that decline the
    /// request are recognised and counted.
    /// </summary>
    /// <param name="builder">The chat client builder.</param>
    /// <param name="configure">Configures the options; <see langword="null"/> for the defaults. The logger comes from the registered <see cref="ILoggerFactory"/>.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Add it before (outside) <c>UseFunctionInvocation()</c> so that it sees final answers, and inside
    /// <c>UseGuardrails()</c> so that repaired answers are checked for personal data too.
    /// </remarks>
    /// <example>
    /// <code>
    /// IChatClient client = new ChatClientBuilder(model).UseOutputValidation().Build();
    /// ChatResponse&lt;Invoice&gt; invoice = await client.GetResponseAsync&lt;Invoice&gt;("Read the invoice: …");
    /// </code>
    /// </example>
    public static ChatClientBuilder UseOutputValidation(this ChatClientBuilder builder, Action<OutputValidationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var options = new OutputValidationOptions();
            configure?.Invoke(options);
            return new OutputValidationChatClient(inner, options, services.GetService<ILoggerFactory>()?.CreateLogger<OutputValidationChatClient>());
        });
    }
}
