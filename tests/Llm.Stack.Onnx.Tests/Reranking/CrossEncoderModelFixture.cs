using Google.Protobuf;
using Llm.Stack.Onnx.Tests.Embeddings;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Llm.Stack.Onnx.Tests.Reranking;

/// <summary>
/// A real BERT cross-encoder built from the shipped all-MiniLM-L6-v2 graph: the encoder's <c>[CLS]</c> vector
/// (<c>Gather(last_hidden_state, 0, axis 1)</c>) feeds a linear head (<c>MatMul</c> + <c>Add</c>) whose weights the test
/// sets, giving <c>logits [batch, labels]</c> as a Hugging Face sequence-classification export does. Written as two model
/// folders (one label, two labels) with the model's <c>vocab.txt</c>. The oracle runs the unmodified MiniLM model with a
/// plain <see cref="InferenceSession"/> and computes the head in C#.
/// </summary>
public sealed class CrossEncoderModelFixture : IDisposable
{
    public const int Hidden = 384;

    public CrossEncoderModelFixture()
    {
        Source = new MiniLmFixture();
        Root = Path.Combine(Path.GetTempPath(), "llmstack-crossencoder-" + Guid.NewGuid().ToString("N"));
        var random = new Random(20261129);
        OneLabelWeights = Gaussian(random, Hidden, 0.08);
        OneLabelBias = [0.25f];
        TwoLabelWeights = Gaussian(random, Hidden * 2, 0.08);
        TwoLabelBias = [0.1f, -0.2f];

        byte[] encoder = File.ReadAllBytes(Path.Combine(Source.Folder, "model.onnx"));
        OneLabelFolder = WriteFolder("one-label", encoder, OneLabelWeights, OneLabelBias, 1);
        TwoLabelFolder = WriteFolder("two-labels", encoder, TwoLabelWeights, TwoLabelBias, 2);
        Oracle = new InferenceSession(Path.Combine(Source.Folder, "model.onnx"));
        OracleHasTokenTypes = Oracle.InputMetadata.ContainsKey("token_type_ids");
    }

    /// <summary>Gets the MiniLM model folder (original encoder, vocab.txt) and the Hugging Face tokenizer.json oracle.</summary>
    public MiniLmFixture Source { get; }

    public string Root { get; }

    public string OneLabelFolder { get; }

    public string TwoLabelFolder { get; }

    /// <summary>Gets the head of the one-label model: [384, 1] row-major.</summary>
    public float[] OneLabelWeights { get; }

    public float[] OneLabelBias { get; }

    /// <summary>Gets the head of the two-label model: [384, 2] row-major.</summary>
    public float[] TwoLabelWeights { get; }

    public float[] TwoLabelBias { get; }

    /// <summary>Gets a plain ONNX Runtime session of the unmodified MiniLM encoder.</summary>
    public InferenceSession Oracle { get; }

    public bool OracleHasTokenTypes { get; }

    /// <summary>Runs the unmodified encoder on one hand-built pair and applies the head in C#: the expected logits.</summary>
    public float[] ExpectedLogits(long[] ids, long[] tokenTypes, float[] weights, float[] bias)
    {
        long[] mask = Enumerable.Repeat(1L, ids.Length).ToArray();
        var inputs = new Dictionary<string, OrtValue>
        {
            ["input_ids"] = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]),
            ["attention_mask"] = OrtValue.CreateTensorValueFromMemory(mask, [1, ids.Length]),
        };
        if (OracleHasTokenTypes)
        {
            inputs["token_type_ids"] = OrtValue.CreateTensorValueFromMemory(tokenTypes, [1, ids.Length]);
        }

        try
        {
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs = Oracle.Run(runOptions, inputs, [Oracle.OutputNames[0]]);
            ReadOnlySpan<float> cls = outputs[0].GetTensorDataAsSpan<float>()[..Hidden]; // token 0 of [1, seq, 384]
            int labels = bias.Length;
            var logits = new float[labels];
            for (int l = 0; l < labels; l++)
            {
                double sum = bias[l];
                for (int h = 0; h < Hidden; h++)
                {
                    sum += (double)cls[h] * weights[(h * labels) + l];
                }

                logits[l] = (float)sum;
            }

            return logits;
        }
        finally
        {
            foreach (OrtValue value in inputs.Values)
            {
                value.Dispose();
            }
        }
    }

    public void Dispose()
    {
        Oracle.Dispose();
        Source.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A session may still hold a file on some platforms; the temp folder is cleaned later.
        }
    }

    private static float[] Gaussian(Random random, int count, double scale)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u = 1.0 - random.NextDouble();
            double v = random.NextDouble();
            values[i] = (float)(scale * Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v));
        }

        return values;
    }

    private string WriteFolder(string name, byte[] encoder, float[] weights, float[] bias, int labels)
    {
        ModelProto model = ModelProto.Parser.ParseFrom(encoder);
        GraphProto graph = model.Graph;
        string hidden = graph.Output[0].Name; // last_hidden_state [batch, sequence, 384]
        graph.Output.Clear();

        var index = new TensorProto { Name = "head.cls_index", DataType = (int)TensorProto.Types.DataType.Int64 };
        index.Int64Data.Add(0); // a scalar: Gather drops the sequence axis
        graph.Initializer.Add(index);
        graph.Initializer.Add(FloatTensor("head.weight", weights, Hidden, labels));
        graph.Initializer.Add(FloatTensor("head.bias", bias, labels));

        var gather = new NodeProto { OpType = "Gather", Name = "head.gather_cls" };
        gather.Input.AddRange([hidden, "head.cls_index"]);
        gather.Output.Add("head.cls");
        gather.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        var matMul = new NodeProto { OpType = "MatMul", Name = "head.matmul" };
        matMul.Input.AddRange(["head.cls", "head.weight"]);
        matMul.Output.Add("head.projected");
        var add = new NodeProto { OpType = "Add", Name = "head.add" };
        add.Input.AddRange(["head.projected", "head.bias"]);
        add.Output.Add("logits");
        graph.Node.AddRange([gather, matMul, add]);

        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch_size" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = labels });
        graph.Output.Add(new ValueInfoProto
        {
            Name = "logits",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        });

        string folder = Path.Combine(Root, name);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), model.ToByteArray());
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), Source.VocabularyText);
        return folder;
    }

    private static TensorProto FloatTensor(string name, float[] data, params long[] dims)
    {
        var tensor = new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan())),
        };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}

[CollectionDefinition(Name)]
public sealed class CrossEncoderTestGroup : ICollectionFixture<CrossEncoderModelFixture>
{
    public const string Name = "CrossEncoder";
}
