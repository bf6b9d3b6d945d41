namespace Llm.Stack.Tests.Ingestion;

/// <summary>A progress sink that reports on the caller's thread (one report at a time), so that a test sees every report when the run ends.</summary>
internal sealed class SynchronousProgress(Action<IngestionProgress> report) : IProgress<IngestionProgress>
{
    private readonly Lock _lock = new();

    public void Report(IngestionProgress value)
    {
        lock (_lock)
        {
            report(value);
        }
    }
}
