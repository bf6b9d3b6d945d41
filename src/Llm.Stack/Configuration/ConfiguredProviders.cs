using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack;

/// <summary>
/// The services that <c>services.AddLlmStack(configuration)</c> registers from the <c>Provider</c> keys: each is created
/// by the provider a package registered under that name (<see cref="LlmStackProviderRegistration"/>). The default models
/// (<c>LlmStack:Chat</c>, <c>LlmStack:Embeddings</c>) and the store are unkeyed services; each named model
/// (<c>LlmStack:ChatModels:&lt;name&gt;</c>, <c>LlmStack:EmbeddingModels:&lt;name&gt;</c>) is a keyed service under its name.
/// A service of the same type (and key) registered in code before or after wins; this object recognises its own
/// registrations to tell.
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

    private const string ChatModelsSection = "ChatModels";
    private const string EmbeddingModelsSection = "EmbeddingModels";

    private readonly IServiceCollection _services;
    private readonly HashSet<ServiceDescriptor> _own = new(ReferenceEqualityComparer.Instance);
    private readonly IConfiguration _section;

    public ConfiguredProviders(IServiceCollection services, IConfiguration section)
    {
        _services = services;
        _section = section;
    }

    /// <summary>Adds, for each kind whose <c>Provider</c> is set and each named model, a registration that creates the service from its provider, unless code registered one already.</summary>
    public void Register(LlmStackOptions options)
    {
        if (!string.Equals(options.Chat.Provider, ChatProviders.None, StringComparison.OrdinalIgnoreCase))
        {
            Add(typeof(IChatClient), null, _ => CreateChatClient(_, null));
        }

        if (options.Embeddings.Provider is not null)
        {
            Add(typeof(IEmbeddingGenerator<string, Embedding<float>>), null, _ => CreateEmbeddingGenerator(_, null));
        }

        if (options.VectorStore.Provider is not null)
        {
            Add(typeof(VectorStore), null, CreateVectorStore);
        }

        foreach (string name in options.ChatModels.Keys)
        {
            Add(typeof(IChatClient), name, services => CreateChatClient(services, name));
        }

        foreach (string name in options.EmbeddingModels.Keys)
        {
            Add(typeof(IEmbeddingGenerator<string, Embedding<float>>), name, services => CreateEmbeddingGenerator(services, name));
        }
    }

    /// <summary>Checks that each provider configuration selects, for a service that configuration still supplies, is registered.</summary>
    public IEnumerable<string> Validate(LlmStackOptions options)
    {
        IEnumerable<string?> errors =
        [
            Check(typeof(IChatClient), null, "Chat", options.Chat.Provider),
            Check(typeof(IEmbeddingGenerator<string, Embedding<float>>), null, "Embeddings", options.Embeddings.Provider),
            Check(typeof(VectorStore), null, "VectorStore", options.VectorStore.Provider),
            .. options.ChatModels.Where(m => !string.Equals(m.Value.Provider, ChatProviders.None, StringComparison.OrdinalIgnoreCase)).Select(m => Check(typeof(IChatClient), m.Key, ChatModelsSection + ":" + m.Key, m.Value.Provider)),
            .. options.EmbeddingModels.Select(m => Check(typeof(IEmbeddingGenerator<string, Embedding<float>>), m.Key, EmbeddingModelsSection + ":" + m.Key, m.Value.Provider)),
        ];
        return errors.OfType<string>();
    }

    private string? Check(Type serviceType, string? serviceKey, string section, string? name)
    {
        if (name is null || !SuppliesService(serviceType, serviceKey) || FindRegistration(serviceType, name) is not null)
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

    /// <summary>Whether the registration that resolves <paramref name="serviceType"/> (under <paramref name="serviceKey"/>, or unkeyed) is this object's (code registered none after it).</summary>
    private bool SuppliesService(Type serviceType, string? serviceKey) =>
        _services.LastOrDefault(d => Matches(d, serviceType, serviceKey)) is { } winner && _own.Contains(winner);

    private static bool Matches(ServiceDescriptor descriptor, Type serviceType, string? serviceKey) =>
        descriptor.ServiceType == serviceType
        && (serviceKey is null ? !descriptor.IsKeyedService : descriptor.IsKeyedService && Equals(descriptor.ServiceKey, serviceKey));

    private IEnumerable<LlmStackProviderRegistration> Registrations(Type serviceType) =>
        _services.Select(d => d.ImplementationInstance).OfType<LlmStackProviderRegistration>().Where(r => r.ServiceType == serviceType);

    private LlmStackProviderRegistration? FindRegistration(Type serviceType, string name) =>
        Registrations(serviceType).LastOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    private void Add(Type serviceType, string? serviceKey, Func<IServiceProvider, object> factory)
    {
        if (_services.Any(d => Matches(d, serviceType, serviceKey)))
        {
            return;
        }

        ServiceDescriptor descriptor = serviceKey is null
            ? ServiceDescriptor.Singleton(serviceType, factory)
            : ServiceDescriptor.KeyedSingleton(serviceType, serviceKey, (services, _) => factory(services));
        _own.Add(descriptor);
        _services.Add(descriptor);
    }

    /// <summary>Gets or sets a value indicating whether the configuration has a <c>LlmStack:Guardrails</c> section, which puts guardrails on every configured chat model.</summary>
    public bool Guarded { get; init; }

    /// <summary>
    /// A configured chat model (the default one, or the named one <paramref name="name"/>), with Llm.Stack's resilience
    /// next to it, set by the model's <c>Resilience</c> keys: the <c>openai</c> provider turns its client's own retries
    /// off, so the two layers do not multiply the attempts. A local provider (<see cref="LlmStackProviderRegistration.IsLocal"/>:
    /// <c>onnx</c>) gets no resilience layer unless its section sets one (<see cref="ChatModelSettings.Resilience"/>).
    /// </summary>
    /// <remarks>
    /// When a <see cref="UsageLedger"/> is registered (<c>AddUsageLedger()</c>), the ledger's layer goes above the
    /// resilience layer, so that a call counts once and its budget is checked before any attempt. When the configuration
    /// has a <c>LlmStack:Guardrails</c> section (even an empty one, for the defaults), a <see cref="GuardrailChatClient"/>
    /// with those options goes above the ledger, so that a blocked call costs nothing.
    /// </remarks>
    private IChatClient CreateChatClient(IServiceProvider services, string? name)
    {
        LlmStackOptions options = services.GetRequiredService<IOptions<LlmStackOptions>>().Value;
        ChatModelSettings settings = name is null ? options.Chat : options.ChatModels[name];
        string section = SectionOf("Chat", ChatModelsSection, name);
        LlmStackProviderRegistration registration = RegistrationOf(typeof(IChatClient), section, settings.Provider);
        var client = (IChatClient)Create(services, registration, section);
        if (!registration.IsLocal || settings.ResilienceIsSet)
        {
            client = new ResilientChatClient(client, settings.Resilience, services.GetService<ILoggerFactory>()?.CreateLogger<ResilientChatClient>(), services.GetService<TimeProvider>());
        }

        if (services.GetService<UsageLedger>() is { } ledger)
        {
            client = new UsageLedgerChatClient(client, ledger, name ?? NullIfBlank(settings.Model), TokenPrices.Of(settings));
        }

        return Guarded
            ? new GuardrailChatClient(client, services.GetRequiredService<IOptions<GuardrailOptions>>().Value, services.GetService<ILoggerFactory>()?.CreateLogger<GuardrailChatClient>())
            : client;
    }

    /// <summary>
    /// A configured embedding model (the default one, or the named one <paramref name="name"/>), with Llm.Stack's resilience
    /// next to it (its <c>Resilience</c> keys: retries, rate limits), then its adapter, then the ledger's layer when a
    /// <see cref="UsageLedger"/> is registered. A local provider (<see cref="LlmStackProviderRegistration.IsLocal"/>:
    /// <c>minilm</c>, <c>onnx</c>) gets no resilience layer unless its section sets one (<see cref="EmbeddingModelSettings.Resilience"/>).
    /// </summary>
    private object CreateEmbeddingGenerator(IServiceProvider services, string? name)
    {
        LlmStackOptions options = services.GetRequiredService<IOptions<LlmStackOptions>>().Value;
        EmbeddingModelSettings settings = name is null ? options.Embeddings : options.EmbeddingModels[name];
        string section = SectionOf("Embeddings", EmbeddingModelsSection, name);
        LlmStackProviderRegistration registration = RegistrationOf(typeof(IEmbeddingGenerator<string, Embedding<float>>), section, settings.Provider!);
        var generator = (IEmbeddingGenerator<string, Embedding<float>>)Create(services, registration, section);
        if (!registration.IsLocal || settings.ResilienceIsSet)
        {
            generator = new ResilientEmbeddingGenerator(
                generator,
                settings.Resilience,
                services.GetService<ILoggerFactory>()?.CreateLogger<ResilientEmbeddingGenerator>(),
                services.GetService<TimeProvider>());
        }

        if (settings.Adapter is not null)
        {
            generator = new AdaptedEmbeddingGenerator(generator, EmbeddingAdapter.Load(settings.Adapter));
        }

        return services.GetService<UsageLedger>() is { } ledger
            ? new UsageLedgerEmbeddingGenerator(generator, ledger, name ?? NullIfBlank(settings.Model), TokenPrices.Of(settings))
            : generator;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string SectionOf(string defaultSection, string namedSection, string? name) => name is null ? defaultSection : namedSection + ":" + name;

    private object CreateVectorStore(IServiceProvider services) =>
        Create(services, typeof(VectorStore), "VectorStore", services.GetRequiredService<IOptions<LlmStackOptions>>().Value.VectorStore.Provider!);

    /// <summary>Creates a service with the provider <paramref name="name"/> from the section <paramref name="section"/> (such as <c>Chat</c> or <c>ChatModels:fast</c>).</summary>
    private object Create(IServiceProvider services, Type serviceType, string section, string name) =>
        Create(services, RegistrationOf(serviceType, section, name), section);

    /// <summary>The registration of the provider <paramref name="name"/>, which the section <paramref name="section"/> selects.</summary>
    private LlmStackProviderRegistration RegistrationOf(Type serviceType, string section, string name) =>
        // The callers read the options first, which runs the validators, this object's check among them: an
        // unregistered provider has failed already; the message below covers a registration removed since.
        FindRegistration(serviceType, name)
            ?? throw new InvalidOperationException($"{LlmStackOptions.SectionName}:{section}:Provider is '{name}', but no package registered a provider of that name.");

    /// <summary>Creates a service with <paramref name="registration"/> from the section <paramref name="section"/>.</summary>
    private object Create(IServiceProvider services, LlmStackProviderRegistration registration, string section)
    {
        LlmStackOptions options = services.GetRequiredService<IOptions<LlmStackOptions>>().Value;
        var context = new LlmStackProviderContext(services, _section.GetSection(section), Path.GetFullPath(options.DataDirectory));
        object service = registration.Factory(context);
        return registration.ServiceType.IsInstanceOfType(service)
            ? service
            : throw new InvalidOperationException($"The '{registration.Name}' provider of {LlmStackOptions.SectionName}:{section} returned {service?.GetType().Name ?? "null"}, not {registration.ServiceType.Name}.");
    }
}
