using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack;

/// <summary>
/// Fails validation when <c>LlmStack:Rag:ChatModel</c> or <c>LlmStack:Ingestion:EmbeddingModel</c> names a model that is
/// neither configured (<c>LlmStack:ChatModels</c>, <c>LlmStack:EmbeddingModels</c>) nor registered in code as a keyed
/// service. It runs when the options are first read (at host start, or when a pipeline is first resolved), after every
/// registration is made.
/// </summary>
internal sealed class PipelineModelValidator(IServiceProviderIsKeyedService? keyedServices = null) : IValidateOptions<LlmStackOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmStackOptions options)
    {
        var errors = new List<string>();
        if (options.RagChatModel is { } chat && !IsRegistered(typeof(IChatClient), chat, options.ChatModels.Keys))
        {
            errors.Add(Unknown($"{LlmStackConfiguration.RagSection}:{LlmStackConfiguration.RagChatModelKey}", chat, "chat", "ChatModels", "AddKeyedChatClient", options.ChatModels.Keys));
        }

        if (options.IngestionEmbeddingModel is { } embedding
            && !IsRegistered(typeof(IEmbeddingGenerator<string, Embedding<float>>), embedding, options.EmbeddingModels.Keys))
        {
            errors.Add(Unknown($"{LlmStackConfiguration.IngestionSection}:{LlmStackConfiguration.IngestionEmbeddingModelKey}", embedding, "embedding", "EmbeddingModels", "AddKeyedEmbeddingGenerator", options.EmbeddingModels.Keys));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private bool IsRegistered(Type serviceType, string model, ICollection<string> configured) =>
        keyedServices?.IsKeyedService(serviceType, model) ?? configured.Contains(model, StringComparer.OrdinalIgnoreCase);

    private static string Unknown(string key, string model, string kind, string section, string call, ICollection<string> configured)
    {
        string path = $"{LlmStackOptions.SectionName}:{key}";
        string models = $"{LlmStackOptions.SectionName}:{section}";
        string hint = ConfigurationSectionBinder.Closest(model, configured) is { } closest ? $" Did you mean '{closest}'?" : "";
        string known = configured.Count == 0 ? $"no {kind} model is configured under {models}" : $"the configured {kind} models are: {string.Join(", ", configured)}";
        return $"{path} is '{model}', but no {kind} model has that name.{hint} Configure it under {models}:{model}, or register it in code with {call}(\"{model}\", ...); {known}.";
    }
}
