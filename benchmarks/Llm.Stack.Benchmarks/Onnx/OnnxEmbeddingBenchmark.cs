using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Llm.Stack.Onnx;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;

namespace Llm.Stack.Benchmarks.Onnx;

/// <summary>
/// Embeddings per second of <see cref="OnnxEmbeddingGenerator"/> (built-in all-MiniLM-L6-v2) against a raw ONNX
/// Runtime loop over the same model, session options and inputs: tensors built from token ids tokenized in advance,
/// <c>InferenceSession.Run</c>, mean pooling and L2 normalisation. The generator's time includes tokenisation; the
/// raw loop's does not. Both run one intra-op thread, so that the comparison is stable on a shared machine.
/// Each operation embeds the same 32 sentences (about 15-25 tokens each), in batches of <see cref="BatchSize"/>.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet releases the state in [GlobalCleanup].")]
public class OnnxEmbeddingBenchmark
{
    private const int Sentences = 32;

    private static readonly string[] Templates =
    [
        "The weather is lovely today, and we are going for a long walk in the park near the river.",
        "It's so sunny outside that everyone has decided to eat lunch on the terrace.",
        "He drove to the stadium to watch the final match of the season with his friends.",
        "Vector databases store embeddings so that similar passages can be found quickly.",
        "Retrieval-augmented generation grounds a model's answer in the company's own documents.",
        "The quarterly report shows revenue growth of twelve percent over the previous year.",
        "Please reset your password using the link we sent to your registered e-mail address.",
        "ONNX Runtime runs the same model on a CPU or on a GPU with the CUDA provider.",
    ];

    private OnnxEmbeddingGenerator _generator = null!;
    private InferenceSession _session = null!;
    private string[] _inputs = null!;
    private int[][] _tokens = null!;
    private int _clsId;
    private int _sepId;

    /// <summary>Gets or sets the number of sentences per model run.</summary>
    [Params(1, 32)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _inputs = [.. Enumerable.Range(0, Sentences).Select(i => $"{Templates[i % Templates.Length]} ({i})")];
        _generator = MiniLmEmbeddingGenerator.Create(o =>
        {
            o.BatchSize = BatchSize;
            o.IntraOpThreads = 1;
        });

        // The raw loop runs the very same model with the same options, on token ids computed here once.
        var tokenizer = (Microsoft.ML.Tokenizers.Tokenizer)_generator.GetService(typeof(Microsoft.ML.Tokenizers.Tokenizer))!;
        _tokens = [.. _inputs.Select(s => tokenizer.EncodeToIds(s).ToArray())];
        _clsId = 101;
        _sepId = 102;
        // The package's model files (graph and external weights) next to the assembly; the manifest resource this
        // read before is gone since the model became files.
        string model = Path.Combine(Path.GetDirectoryName(typeof(MiniLmEmbeddingGenerator).Assembly.Location)!, "minilm", "model.onnx");
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        _session = new InferenceSession(model, options);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _generator.Dispose();
        _session.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Sentences)]
    public float RawOnnxRuntimeLoop()
    {
        float checksum = 0;
        for (int start = 0; start < Sentences; start += BatchSize)
        {
            int count = Math.Min(BatchSize, Sentences - start);
            int sequence = 0;
            for (int i = 0; i < count; i++)
            {
                sequence = Math.Max(sequence, _tokens[start + i].Length + 2);
            }

            var ids = new long[count * sequence];
            var mask = new long[count * sequence];
            var types = new long[count * sequence];
            for (int i = 0; i < count; i++)
            {
                int[] content = _tokens[start + i];
                ids[i * sequence] = _clsId;
                for (int t = 0; t < content.Length; t++)
                {
                    ids[(i * sequence) + t + 1] = content[t];
                }

                ids[(i * sequence) + content.Length + 1] = _sepId;
                mask.AsSpan(i * sequence, content.Length + 2).Fill(1);
            }

            long[] shape = [count, sequence];
            using OrtValue idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
            using OrtValue maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
            using OrtValue typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(
                runOptions,
                ["input_ids", "attention_mask", "token_type_ids"],
                [idsValue, maskValue, typesValue],
                ["last_hidden_state"]);
            ReadOnlySpan<float> hidden = outputs[0].GetTensorDataAsSpan<float>();
            for (int i = 0; i < count; i++)
            {
                int length = _tokens[start + i].Length + 2;
                var vector = new float[384];
                for (int t = 0; t < length; t++)
                {
                    TensorPrimitives.Add(vector, hidden.Slice(((i * sequence) + t) * 384, 384), vector);
                }

                TensorPrimitives.Divide(vector, length, vector);
                TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
                checksum += vector[0];
            }
        }

        return checksum;
    }

    [Benchmark(OperationsPerInvoke = Sentences)]
    public async Task<float> OnnxEmbeddingGenerator()
    {
        GeneratedEmbeddings<Embedding<float>> embeddings = await _generator.GenerateAsync(_inputs);
        float checksum = 0;
        foreach (Embedding<float> embedding in embeddings)
        {
            checksum += embedding.Vector.Span[0];
        }

        return checksum;
    }
}
