using BenchmarkDotNet.Attributes;
using Llm.Stack;

namespace Llm.Stack.Benchmarks.Guardrails;

/// <summary>
/// The guardrails' input scans (issue 17's target: under 20 µs and no allocation per 1 KB message when nothing is
/// found): the personal-data detector and the prompt-injection detector over 1 KB of the sample documents' prose.
/// </summary>
[MemoryDiagnoser]
public class GuardrailScanBenchmark
{
    private string _message = null!;

    [GlobalSetup]
    public void Setup()
    {
        _message = GuardrailBenchmark.SampleProse(2_048)[..1024];
        if (PiiDetector.Default.Detect(_message).Count > 0 || PromptInjectionDetector.Default.Assess(_message).IsInjection)
        {
            throw new InvalidOperationException("The clean message is not clean: choose another slice.");
        }
    }

    [Benchmark]
    public int DetectPii1KB() => PiiDetector.Default.Detect(_message).Count;

    [Benchmark]
    public double AssessInjection1KB() => PromptInjectionDetector.Default.Assess(_message).Score;
}
