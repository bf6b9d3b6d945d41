using Llm.Stack;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Llm.Stack in an <see cref="IServiceCollection"/>.</summary>
public static class LlmStackServiceCollectionExtensions
{
    /// <summary>Adds the Llm.Stack core services and returns a builder to add models, stores and pipelines.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the stack through the builder; <see langword="null"/> to do it later.</param>
    /// <returns>The <see cref="LlmStackBuilder"/>, so that registrations chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// services.AddLlmStack(stack =>
    /// {
    ///     stack.AddChatClient(sp => new MyProviderChatClient())
    ///          .UseLogging()
    ///          .UseFunctionInvocation();
    /// });
    /// </code>
    /// </example>
#pragma warning disable RS0026, RS0027 // Both overloads have an optional configure callback, as the API shape and MEAI's Add* methods do.
    public static LlmStackBuilder AddLlmStack(this IServiceCollection services, Action<LlmStackBuilder>? configure = null)
#pragma warning restore RS0026, RS0027
    {
        ArgumentNullException.ThrowIfNull(services);

        AddCoreServices(services);
        services.AddOptions<LlmStackOptions>().ValidateOnStart();

        var builder = new LlmStackBuilder(services);
        configure?.Invoke(builder);
        return builder;
    }

    /// <summary>
    /// Adds the Llm.Stack core services with <see cref="LlmStackOptions"/> bound from the <c>LlmStack</c> section of
    /// <paramref name="configuration"/> (or from <paramref name="configuration"/> itself when it is that section),
    /// validated when the application starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application's configuration, or its <c>LlmStack</c> section.</param>
    /// <param name="configure">Configures the stack through the builder; <see langword="null"/> to do it later.</param>
    /// <returns>The <see cref="LlmStackBuilder"/>, so that registrations chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// An unknown key or a value of the wrong type under <c>LlmStack</c> fails when the options are first read,
    /// naming the key; a missing or invalid setting fails at start (<c>ValidateOnStart</c>) with a message that
    /// names the key, such as <c>LlmStack:Chat:ModelPath is required when the provider is 'onnx'.</c>
    /// </remarks>
#pragma warning disable RS0026 // See above.
    public static LlmStackBuilder AddLlmStack(this IServiceCollection services, IConfiguration configuration, Action<LlmStackBuilder>? configure = null)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        IConfiguration section = configuration is IConfigurationSection { Key: LlmStackOptions.SectionName }
            ? configuration
            : configuration.GetSection(LlmStackOptions.SectionName);

        AddCoreServices(services);
        services.AddOptions<LlmStackOptions>()
            .Bind(section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();

        var builder = new LlmStackBuilder(services);
        configure?.Invoke(builder);
        return builder;
    }

    private static void AddCoreServices(IServiceCollection services)
    {
        services.AddOptions();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmStackOptions>, LlmStackOptionsValidator>());
    }
}
