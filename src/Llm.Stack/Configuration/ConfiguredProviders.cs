using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>
/// The services that <c>services.AddLlmStack(configuration)</c> registers from the <c>Provider</c> keys: each is created
/// by the provider a package registered under that name (<see cref="LlmStackProviderRegistration"/>). A service of the
/// same type registered in code before or after wins; this object recognises its own registrations to tell.
/// </summary>
internal sealed class ConfiguredProviders
{
    private static readonly Dictionary<(Type, string), (string Package, string Call)> KnownPackages = new()
    {
        [(typeof(IChatClient), ChatProviders.OpenAI)] = ("Llm.Stack.OpenAI", "AddOpenAIProvider()"),
        [(typeof(IChatClient), ChatProviders.Onnx)] = ("Llm.Stack.Onnx", "AddOnnxProvider()"),
        [(typeof(IChatClient), ChatProviders.Ollama)] = ("Llm.Stack.Ollama", "AddOllamaProvider()"),
        [(typeof(IChatClient), ChatProviders.Anthropic)] = ("Llm.Stack.Anthropic", "AddAnthropicProvider()"),
        [(typeof(IEmbeddingGenerator<string, Embedding<float>>), EmbeddingProviders.Ollama)] = ("Llm.Stack.Ollama", "AddOllamaProvider()"),
        [(typeof(IEmbeddingGenerator<string, Embedding<float>>), EmbeddingProviders.OpenAI)] = ("Llm.Stack.OpenAI", "AddOpenAIProvider()"),
        [(typeof(IEmbeddingGenerator<string, Embedding<float>>), EmbeddingProviders.Onnx)] = ("Llm.Stack.Onnx", "AddOnnxProvider()"),
        [(typeof(IEmbeddingGenerator<string, Embedding<float>>), EmbeddingProviders.MiniLm)] = ("Llm.Stack.Onnx.MiniLM", "AddMiniLmProvider()"),
        [(typeof(VectorStore), VectorStoreProviders.InMemory)] = ("Llm.Stack.VectorIndex", "AddInMemoryVectorStoreProvider()"),
        [(typeof(VectorStore), VectorStoreProviders.Postgres)] = ("Llm.Stack.Postgres", "AddPostgresVectorStoreProvider()"),
        [(typeof(VectorStore), VectorStoreProviders.Chroma)] = ("Llm.Stack.Chroma", "AddChromaVectorStoreProvider()"),
    };

    private readonly IServiceCollection _services;
    private readonly IConfiguration _section;

    public ConfiguredProviders(IServiceCollection services, IConfiguration section)
    {
        _services = services;
        _section = section;
    }

    /// <summary>Adds, for each kind whose <c>Provider</c> is set, a registration that creates the service from its provider, unless code registered one already.</summary>
    public void Register(LlmStackOptions options)
    {
        if (!string.Equals(options.Chat.Provider, ChatProviders.None, StringComparison.OrdinalIgnoreCase))
        {
            Add(typeof(IChatClient), CreateChatClient);
        }

        if (options.Embeddings.Provider is not null)
        {
            Add(typeof(IEmbeddingGenerator<string, Embedding<float>>), CreateEmbeddingGenerator);
        }

        if (options.VectorStore.Provider is not null)
        {
            Add(typeof(VectorStore), CreateVectorStore);
        }
    }

    /// <summary>Checks that each provider configuration selects, for a service that configuration still supplies, is registered.</summary>
    public IEnumerable<string> Validate(LlmStackOptions options)
    {
        return new[]
        {
            Check(typeof(IChatClient), "Chat", options.Chat.Provider),
            Check(typeof(IEmbeddingGenerator<string, Embedding<float>>), "Embeddings", options.Embeddings.Provider),
            Check(typeof(VectorStore), "VectorStore", options.VectorStore.Provider),
        }.OfType<string>();
    }

    private string? Check(Type serviceType, string section, string? name)
    {
        if (name is null || !SuppliesService(serviceType) || FindRegistration(serviceType, name) is not null)
        {
            return null;
        }

        string key = $"{LlmStackOptions.SectionName}:{section}:Provider";
        string registered = string.Join(", ", Registrations(serviceType).Select(r => r.Name).Distinct(StringComparer.OrdinalIgnoreCase));
        string alternatives = registered.Length == 0 ? "no provider is registered for it" : "registered: " + registered;
        return KnownPackages.TryGetValue((serviceType, name.ToLowerInvariant()), out (string Package, string Call) known)
            ? $"{key} is '{name}', but no package registered it: reference {known.Package} and call {known.Call} ({alternatives})."
            : $"{key} is '{name}', but no package registered a provider of that name ({alternatives}).";
    }

    /// <summary>Whether the registration that resolves <paramref name="serviceType"/> is this object's (code registered none after it).</summary>
    private bool SuppliesService(Type serviceType) =>
        _services.LastOrDefault(d => d.ServiceType == serviceType && !d.IsKeyedService) is { } winner && winner.ImplementationFactory?.Target == this;

    private IEnumerable<LlmStackProviderRegistration> Registrations(Type serviceType) =>
        _services.Select(d => d.ImplementationInstance).OfType<LlmStackProviderRegistration>().Where(r => r.ServiceType == serviceType);

    private LlmStackProviderRegistration? FindRegistration(Type serviceType, string name) =>
        Registrations(serviceType).LastOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    private void Add(Type serviceType, Func<IServiceProvider, object> factory)
    {
        if (!_services.Any(d => d.ServiceType == serviceType && !d.IsKeyedService))
        {
            _services.Add(ServiceDescriptor.Singleton(serviceType, factory));
        }
    }

    /// <summary>
    /// The configured chat model, with Llm.Stack's resilience next to it (default <see cref="LlmResilienceOptions"/>):
    /// the <c>openai</c> provider turns its client's own retries off, so the two layers do not multiply the attempts.
    /// </summary>
    private object CreateChatClient(IServiceProvider services)
    {
        var client = (IChatClient)Create(services, typeof(IChatClient), "Chat", o => o.Chat.Provider);
        return new ResilientChatClient(client, new LlmResilienceOptions(), services.GetService<ILoggerFactory>()?.CreateLogger<ResilientChatClient>(), services.GetService<TimeProvider>());
    }

    private object CreateEmbeddingGenerator(IServiceProvider services)
    {
        var generator = (IEmbeddingGenerator<string, Embedding<float>>)Create(services, typeof(IEmbeddingGenerator<string, Embedding<float>>), "Embeddings", o => o.Embeddings.Provider);
        string? adapter = services.GetRequiredService<IOptions<LlmStackOptions>>().Value.Embeddings.Adapter;
        return adapter is null ? generator : new AdaptedEmbeddingGenerator(generator, EmbeddingAdapter.Load(adapter));
    }

    private object CreateVectorStore(IServiceProvider services) => Create(services, typeof(VectorStore), "VectorStore", o => o.VectorStore.Provider);

    private object Create(IServiceProvider services, Type serviceType, string section, Func<LlmStackOptions, string?> provider)
    {
        // Reading the options runs the validators, this object's check among them: an unregistered provider fails here.
        LlmStackOptions options = services.GetRequiredService<IOptions<LlmStackOptions>>().Value;
        string name = provider(options)!;
        LlmStackProviderRegistration registration = FindRegistration(serviceType, name)
            ?? throw new InvalidOperationException(Check(serviceType, section, name));
        var context = new LlmStackProviderContext(services, _section.GetSection(section), Path.GetFullPath(options.DataDirectory));
        object service = registration.Factory(context);
        return serviceType.IsInstanceOfType(service)
            ? service
            : throw new InvalidOperationException($"The '{name}' provider of {LlmStackOptions.SectionName}:{section} returned {service?.GetType().Name ?? "null"}, not {serviceType.Name}.");
    }
}
