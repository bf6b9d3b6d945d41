using Llm.Stack;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers prompt templates on an <see cref="LlmStackBuilder"/>.</summary>
public static class PromptTemplateLlmStackBuilderExtensions
{
    /// <summary>
    /// Registers the singleton <see cref="PromptTemplateCatalog"/> and adds templates to it; calls accumulate.
    /// </summary>
    /// <param name="builder">The stack builder.</param>
    /// <param name="configure">Adds templates to the catalog (from strings, files, directories or embedded resources).</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// stack.AddPromptTemplates(t => t.AddDirectory("Prompts"));
    /// IPromptTemplate qa = provider.GetRequiredService&lt;PromptTemplateCatalog&gt;().Get("qa");
    /// </code>
    /// </example>
    public static LlmStackBuilder AddPromptTemplates(this LlmStackBuilder builder, Action<PromptTemplateCatalog> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddSingleton(new PromptTemplateRegistration(configure));
        builder.Services.TryAddSingleton(sp =>
        {
            var catalog = new PromptTemplateCatalog();
            foreach (PromptTemplateRegistration registration in sp.GetServices<PromptTemplateRegistration>())
            {
                registration.Configure(catalog);
            }

            return catalog;
        });
        return builder;
    }
}
