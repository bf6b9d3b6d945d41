using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;

if (args is ["prepare-minilm", string corpus, string output, ..])
{
    int count = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
    return await Llm.Stack.Benchmarks.VectorIndex.MiniLmPassages.PrepareAsync(corpus, output, count);
}

if (args is ["hnsw-build-profile", ..])
{
    return Llm.Stack.Benchmarks.VectorIndex.HnswBuildProfile.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000);
}

if (args is ["semantic-cache-recall", ..])
{
    // The share of cached prompts the semantic cache's own (HNSW) store serves when asked again, on the HNSW data set.
    return await Llm.Stack.Benchmarks.Routing.SemanticCacheRecall.RunAsync();
}

if (args is ["guardrail-profile", ..])
{
    return Llm.Stack.Benchmarks.Guardrails.GuardrailProfile.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 16_000);
}

if (args is ["dashboard-data", ..])
{
    // Writes (or checks) the 1,000,000-interaction file of DashboardQueryBenchmark, so that a bench window only times queries.
    var watch = System.Diagnostics.Stopwatch.StartNew();
    using (Llm.Stack.Monitoring.SqliteInteractionStore store = Llm.Stack.Benchmarks.Monitoring.DashboardQueryBenchmark.Prepare(Llm.Stack.Benchmarks.Monitoring.DashboardQueryBenchmark.DataPath))
    {
        Console.WriteLine($"{store.Path}: ready in {watch.Elapsed.TotalSeconds:0.0} s");
    }

    return 0;
}

if (args is ["middleware-allocations", ..])
{
    // Bytes allocated per call by each row of ChatMiddlewareOverheadBenchmark, exactly (not timed: no bench window needed).
    return Llm.Stack.Benchmarks.Routing.ChatMiddlewareAllocations.Run();
}

if (args is ["measure-adapter", string pairs, ..])
{
    int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    double Real(int i, double fallback) => args.Length > i ? double.Parse(args[i], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    var defaults = new Llm.Stack.EmbeddingAdapterTrainerOptions();
    var options = new Llm.Stack.EmbeddingAdapterTrainerOptions
    {
        Rank = Arg(3, defaults.Rank),
        Seed = Arg(4, defaults.Seed),
        LearningRate = Real(5, defaults.LearningRate),
        WeightDecay = Real(6, defaults.WeightDecay),
        Scale = Real(7, defaults.Scale),
        HardNegatives = Arg(8, defaults.HardNegatives),
    };
    return await Llm.Stack.Benchmarks.Tuning.AdapterMeasurement.RunAsync(pairs, Arg(2, 500), options);
}

if (args is ["measure-classifier", string set, ..])
{
    var defaults = new Llm.Stack.EmbeddingClassifierTrainerOptions();
    var options = new Llm.Stack.EmbeddingClassifierTrainerOptions
    {
        Seed = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : defaults.Seed,
        Regularization = args.Length > 4 ? double.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : defaults.Regularization,
    };
    int train = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 400;
    return await Llm.Stack.Benchmarks.Tuning.ClassifierMeasurement.RunAsync(set, train, options);
}

IConfig config = DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
return 0;
