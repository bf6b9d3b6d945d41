using Llm.Stack;
using Llm.Stack.Evaluation;
using Microsoft.Extensions.AI.Evaluation;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the evaluation services of Llm.Stack.Evaluation.</summary>
public static class EvaluationLlmStackBuilderExtensions
{
    /// <summary>
    /// Registers, as singletons: <see cref="BleuScorer"/>, <see cref="RougeScorer"/>, the evaluators
    /// <see cref="BleuEvaluator"/>, <see cref="RougeEvaluator"/>, <see cref="ExactMatchEvaluator"/> and
    /// <see cref="TokenF1Evaluator"/> (each also as an <see cref="IEvaluator"/>), <see cref="RetrievalEvaluator"/> and
    /// <see cref="ModelComparisonHarness"/>. Registrations already present are kept.
    /// </summary>
    /// <param name="builder">The Llm.Stack builder.</param>
    /// <param name="configure">Configures the options; <see langword="null"/> for the defaults.</param>
    /// <returns>The builder, so that calls chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The configured ROUGE types are empty or unknown.</exception>
    public static LlmStackBuilder AddEvaluation(this LlmStackBuilder builder, Action<EvaluationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new EvaluationOptions();
        configure?.Invoke(options);

        // Created now so that a bad ROUGE type fails at registration, naming the problem.
        var rouge = new RougeScorer(options.RougeTypes, options.UseStemmer);
        var services = builder.Services;
        services.TryAddSingleton(new BleuScorer(options.Bleu));
        services.TryAddSingleton(rouge);
        services.TryAddSingleton(new BleuEvaluator(options.Bleu));
        services.TryAddSingleton(new RougeEvaluator(options.RougeTypes, options.UseStemmer));
        services.TryAddSingleton<ExactMatchEvaluator>();
        services.TryAddSingleton<TokenF1Evaluator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEvaluator, BleuEvaluator>(sp => sp.GetRequiredService<BleuEvaluator>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEvaluator, RougeEvaluator>(sp => sp.GetRequiredService<RougeEvaluator>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEvaluator, ExactMatchEvaluator>(sp => sp.GetRequiredService<ExactMatchEvaluator>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEvaluator, TokenF1Evaluator>(sp => sp.GetRequiredService<TokenF1Evaluator>()));
        services.TryAddSingleton(new RetrievalEvaluator(options.RetrievalK, options.RetrievalMatch));
        services.TryAddSingleton(sp =>
        {
            options.Comparison.Evaluators ??= [.. sp.GetServices<IEvaluator>()];
            return new ModelComparisonHarness(options.Comparison);
        });
        return builder;
    }
}
