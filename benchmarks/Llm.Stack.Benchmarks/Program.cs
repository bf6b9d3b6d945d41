using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;

if (args is ["prepare-minilm", string corpus, string output, ..])
{
    int count = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
    return await Llm.Stack.Benchmarks.VectorIndex.MiniLmPassages.PrepareAsync(corpus, output, count);
}

IConfig config = DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
return 0;
