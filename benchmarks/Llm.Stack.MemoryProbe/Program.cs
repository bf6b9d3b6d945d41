using System.Globalization;
using Llm.Stack.Onnx;
using Microsoft.Extensions.AI;

// Creates the built-in MiniLM embedder, embeds a batch, and prints the process's resident memory (VmRSS: what it
// holds now; VmHWM: its peak) from /proc/self/status. With "--max-mb N" it exits 1 when VmRSS is above N MB.
// Run: dotnet run -c Release --project benchmarks/Llm.Stack.MemoryProbe -- --max-mb 200
if (!OperatingSystem.IsLinux())
{
    Console.Error.WriteLine("The probe reads /proc/self/status: run it on Linux.");
    return 2;
}

int? maxMegabytes = args is ["--max-mb", string max] ? int.Parse(max, CultureInfo.InvariantCulture) : null;
long before = Resident("VmRSS");
using (OnnxEmbeddingGenerator embedder = MiniLmEmbeddingGenerator.Create())
{
    GeneratedEmbeddings<Embedding<float>> embeddings = await embedder.GenerateAsync(
        Enumerable.Range(0, 32).Select(i => $"Sentence number {i} about the weather, volcanoes and rivers of Europe.").ToList());
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    long rss = Resident("VmRSS");
    Console.WriteLine($"before the embedder: VmRSS {before / 1024} MB");
    Console.WriteLine($"with the MiniLM embedder ({embeddings.Count} embeddings of {embeddings[0].Vector.Length} dimensions): VmRSS {rss / 1024} MB, peak VmHWM {Resident("VmHWM") / 1024} MB, managed heap {GC.GetTotalMemory(false) / (1024 * 1024)} MB");
    if (maxMegabytes is int limit && rss / 1024 > limit)
    {
        Console.Error.WriteLine($"VmRSS {rss / 1024} MB is above {limit} MB.");
        return 1;
    }
}

return 0;

static long Resident(string field)
{
    foreach (string line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith(field + ":", StringComparison.Ordinal))
        {
            return long.Parse(line.AsSpan(field.Length + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
        }
    }

    throw new InvalidOperationException($"/proc/self/status has no {field}.");
}
