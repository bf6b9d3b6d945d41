namespace Llm.Stack;

/// <summary>One <c>AddPromptTemplates</c> call, applied when the catalog is created.</summary>
internal sealed class PromptTemplateRegistration(Action<PromptTemplateCatalog> configure)
{
    public Action<PromptTemplateCatalog> Configure { get; } = configure;
}
