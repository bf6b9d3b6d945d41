using System.Globalization;
using Llm.Stack.Onnx;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;

// The resident memory of a process that has created the built-in MiniLM embedder (issue 14: "a process that has created
// the MiniLM embedder stays under 200 MB resident"), from /proc/self/status: VmRSS (what it holds now) and VmHWM (the
// kernel's record of its peak, session creation included). Three steps: the embedder is created; it embeds a batch of
// 32 sentences; then every id of the vocabulary is run through its session in batches of about the same shape (32 rows
// of 18 tokens), so that every row of the token-embedding table has been read (the weights are mapped from
// minilm/model.onnx_data, and a row is resident once it has been read: this is the most of the weights a long-running
// process can hold). Activations are not weights: ONNX Runtime's arena keeps the largest batch's, which grow with
// rows x tokens^2, so a batch of 32 inputs of 256 tokens holds far more than this probe's batches.
// With "--max-mb N" it exits 1 when the peak is above N MB.
// Run: dotnet run -c Release --project benchmarks/Llm.Stack.MemoryProbe -- --max-mb 200
if (!OperatingSystem.IsLinux())
{
    Console.Error.WriteLine("The probe reads /proc/self/status: run it on Linux.");
    return 2;
}

int? maxMegabytes = args is ["--max-mb", string max] ? int.Parse(max, CultureInfo.InvariantCulture) : null;
Console.WriteLine($"before the embedder: {Resident()}");
using (OnnxEmbeddingGenerator embedder = MiniLmEmbeddingGenerator.Create())
{
    Console.WriteLine($"created: {Resident()}");
    GeneratedEmbeddings<Embedding<float>> embeddings = await embedder.GenerateAsync(
        Enumerable.Range(0, 32).Select(i => $"Sentence number {i} about the weather, volcanoes and rivers of Europe.").ToList());
    Settle();
    Console.WriteLine($"embedded {embeddings.Count} sentences ({embeddings[0].Vector.Length} dimensions): {Resident()}, managed heap {GC.GetTotalMemory(false) / (1024 * 1024)} MB");

    RunWholeVocabulary(embedder.GetService<InferenceSession>()!);
    Settle();
    Console.WriteLine($"after every vocabulary id was run: {Resident()}");
}

long peak = Kilobytes("VmHWM") / 1024;
if (maxMegabytes is int limit && peak > limit)
{
    Console.Error.WriteLine($"The peak resident size, {peak} MB, is above {limit} MB.");
    return 1;
}

Console.WriteLine(maxMegabytes is int bound ? $"peak {peak} MB, within {bound} MB" : $"peak {peak} MB");
return 0;

// Runs ids 0..vocabulary-1 in rows of 16 (plus [CLS] and [SEP]), 32 rows per run: about the shape of the sentence batch.
static void RunWholeVocabulary(InferenceSession session)
{
    const int Vocabulary = 30_522, Row = 18, Rows = 32;
    string[] names = [.. session.InputMetadata.Keys];
    for (int first = 0; first < Vocabulary; first += (Row - 2) * Rows)
    {
        var ids = new long[Rows * Row];
        var mask = new long[Rows * Row];
        var types = new long[Rows * Row];
        for (int r = 0; r < Rows; r++)
        {
            ids[r * Row] = 101;
            for (int t = 1; t < Row - 1; t++)
            {
                ids[(r * Row) + t] = (first + (r * (Row - 2)) + t - 1) % Vocabulary;
            }

            ids[(r * Row) + Row - 1] = 102;
        }

        mask.AsSpan().Fill(1);
        long[] shape = [Rows, Row];
        using OrtValue idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using OrtValue maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using OrtValue typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        OrtValue[] inputs = [.. names.Select(n => n switch { "input_ids" => idsValue, "attention_mask" => maskValue, _ => typesValue })];
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, names, inputs, [session.OutputNames[0]]);
    }
}

static void Settle()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
}

static string Resident() => $"VmRSS {Kilobytes("VmRSS") / 1024} MB (anonymous {Kilobytes("RssAnon") / 1024}, file-backed {Kilobytes("RssFile") / 1024}), peak VmHWM {Kilobytes("VmHWM") / 1024} MB";

static long Kilobytes(string field)
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
