using Google.Protobuf;
using Onnx;

namespace Llm.Stack.TestUtilities.TinyModel;

/// <summary>
/// Writes a "llama"-type decoder with standard ONNX operators (opset 17): token embedding, per layer RMSNorm →
/// multi-head attention with rotary position embedding and a KV cache (past/present) → residual → RMSNorm →
/// SwiGLU MLP → residual; final RMSNorm, LM head, plus a constant logit bias gathered by position
/// (<c>bias[position_ids]</c>), which masks tokens and can force a token at a given absolute position.
/// With <see cref="TinyModelSpec.LoraRank"/> above zero every projection of every layer gets a LoRA branch,
/// <c>x·W + (x·A)·B</c>, whose A and B are graph inputs with zero initializers as defaults (so the output without an
/// adapter is exactly the base model's) and are named as <see cref="TinyLora.Targets"/> lists them.
/// </summary>
internal sealed class TinyLlamaGraph
{
    private const int Float = (int)TensorProto.Types.DataType.Float;
    private const int Int64 = (int)TensorProto.Types.DataType.Int64;
    private const int Bool = (int)TensorProto.Types.DataType.Bool;

    private readonly GraphProto _graph = new() { Name = "tiny-llama" };
    private readonly Random _random;
    private int _counter;
    private int _loraRank;

    private TinyLlamaGraph(int seed) => _random = new Random(seed);

    public static byte[] Build(TinyModelSpec spec, float[] positionBias)
    {
        var g = new TinyLlamaGraph(spec.Seed);
        return g.BuildModel(spec, positionBias).ToByteArray();
    }

    private ModelProto BuildModel(TinyModelSpec spec, float[] positionBias)
    {
        int hidden = spec.HiddenSize;
        int heads = spec.Heads;
        int headSize = hidden / heads;
        int vocab = spec.VocabSize;
        _loraRank = spec.LoraRank;

        _graph.Input.Add(ValueInfo("input_ids", Int64, "batch_size", "sequence_length"));
        _graph.Input.Add(ValueInfo("attention_mask", Int64, "batch_size", "total_sequence_length"));
        _graph.Input.Add(ValueInfo("position_ids", Int64, "batch_size", "sequence_length"));
        for (int l = 0; l < spec.Layers; l++)
        {
            _graph.Input.Add(ValueInfo($"past_key_values.{l}.key", Float, "batch_size", heads, "past_sequence_length", headSize));
            _graph.Input.Add(ValueInfo($"past_key_values.{l}.value", Float, "batch_size", heads, "past_sequence_length", headSize));
        }

        _graph.Output.Add(ValueInfo("logits", Float, "batch_size", "sequence_length", vocab));
        for (int l = 0; l < spec.Layers; l++)
        {
            _graph.Output.Add(ValueInfo($"present.{l}.key", Float, "batch_size", heads, "total_sequence_length", headSize));
            _graph.Output.Add(ValueInfo($"present.{l}.value", Float, "batch_size", heads, "total_sequence_length", headSize));
        }

        // Rotary tables [context, headSize / 2], gathered by position → [b, 1, s, headSize / 2].
        int half = headSize / 2;
        var cos = new float[spec.ContextLength * half];
        var sin = new float[spec.ContextLength * half];
        for (int p = 0; p < spec.ContextLength; p++)
        {
            for (int i = 0; i < half; i++)
            {
                double freq = 1.0 / Math.Pow(10000.0, 2.0 * i / headSize);
                cos[(p * half) + i] = (float)Math.Cos(p * freq);
                sin[(p * half) + i] = (float)Math.Sin(p * freq);
            }
        }

        string axes1 = Ints("axes1", 1);
        string cosP = Node("Unsqueeze", [Node("Gather", [Init("rope_cos", cos, spec.ContextLength, half), "position_ids"]), axes1]);
        string sinP = Node("Unsqueeze", [Node("Gather", [Init("rope_sin", sin, spec.ContextLength, half), "position_ids"]), axes1]);

        // Attention mask: causal (key j visible to query i when j <= past + i) AND the padding mask.
        string attentionMaskBool = Node("Cast", ["attention_mask"], ("to", Bool));
        string padMask = Node("Unsqueeze", [attentionMaskBool, Ints("axes12", 1, 2)]);
        string totalLength = Node("Squeeze", [Node("Shape", ["attention_mask"], ("start", 1L), ("end", 2L))]);
        string queryLength = Node("Squeeze", [Node("Shape", ["input_ids"], ("start", 1L), ("end", 2L))]);
        string zero = Scalar("zero", 0);
        string one = Scalar("one", 1);
        string keyIndex = Node("Unsqueeze", [Node("Range", [zero, totalLength, one]), Ints("axes0", 0)]);
        string queryIndex = Node("Unsqueeze", [Node("Range", [Node("Sub", [totalLength, queryLength]), totalLength, one]), axes1]);
        string mask = Node("And", [Node("LessOrEqual", [keyIndex, queryIndex]), padMask]);
        string maskedValue = InitScalar("masked_value", -1e9f);

        string x = Node("Gather", [Init("embed_tokens", Normal(vocab * hidden, 1.0f), vocab, hidden), "input_ids"]);
        string splitHalves = Ints("split_halves", half, half);
        string headsShape = Ints("heads_shape", 0, 0, heads, headSize);
        string hiddenShape = Ints("hidden_shape", 0, 0, hidden);
        string scale = InitScalar("attention_scale", 1.0f / MathF.Sqrt(headSize));
        for (int l = 0; l < spec.Layers; l++)
        {
            string h = RmsNorm(x, $"l{l}.attn_norm", hidden);
            string q = Rope(Heads(Linear(h, $"l{l}.q_proj", hidden, hidden), headsShape), cosP, sinP, splitHalves);
            string k = Rope(Heads(Linear(h, $"l{l}.k_proj", hidden, hidden), headsShape), cosP, sinP, splitHalves);
            string v = Heads(Linear(h, $"l{l}.v_proj", hidden, hidden), headsShape);
            string presentK = Node("Concat", [$"past_key_values.{l}.key", k], output: $"present.{l}.key", attributes: [("axis", 2L)]);
            string presentV = Node("Concat", [$"past_key_values.{l}.value", v], output: $"present.{l}.value", attributes: [("axis", 2L)]);
            string scores = Node("Mul", [Node("MatMul", [q, Node("Transpose", [presentK], ("perm", new long[] { 0, 1, 3, 2 }))]), scale]);
            string probs = Node("Softmax", [Node("Where", [mask, scores, maskedValue])], ("axis", -1L));
            string context = Node("Reshape", [Node("Transpose", [Node("MatMul", [probs, presentV])], ("perm", new long[] { 0, 2, 1, 3 })), hiddenShape]);
            x = Node("Add", [x, Linear(context, $"l{l}.o_proj", hidden, hidden)]);

            string m = RmsNorm(x, $"l{l}.mlp_norm", hidden);
            string gate = Linear(m, $"l{l}.gate_proj", hidden, spec.IntermediateSize);
            string up = Linear(m, $"l{l}.up_proj", hidden, spec.IntermediateSize);
            string silu = Node("Mul", [gate, Node("Sigmoid", [gate])]);
            x = Node("Add", [x, Linear(Node("Mul", [silu, up]), $"l{l}.down_proj", spec.IntermediateSize, hidden)]);
        }

        string final = RmsNorm(x, "final_norm", hidden);
        string rawLogits = Node("MatMul", [final, Init("lm_head", Normal(hidden * vocab, spec.LogitScale / MathF.Sqrt(hidden)), hidden, vocab)]);
        string bias = Node("Gather", [Init("position_bias", positionBias, spec.ContextLength, vocab), "position_ids"]);
        Node("Add", [rawLogits, bias], output: "logits", attributes: []);

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "Llm.Stack.Onnx.Tests.TinyModel",
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        return model;
    }

    private string RmsNorm(string x, string name, int hidden)
    {
        var weight = new float[hidden];
        for (int i = 0; i < hidden; i++)
        {
            weight[i] = 1.0f + (0.1f * (float)NextGaussian());
        }

        string meanSquare = Node("ReduceMean", [Node("Mul", [x, x])], ("axes", new long[] { -1 }), ("keepdims", 1L));
        string rms = Node("Sqrt", [Node("Add", [meanSquare, InitScalar(name + ".eps", 1e-5f)])]);
        return Node("Mul", [Node("Div", [x, rms]), Init(name + ".weight", weight, hidden)]);
    }

    private string Linear(string x, string name, int inFeatures, int outFeatures)
    {
        string y = Node("MatMul", [x, Init(name + ".weight", Normal(inFeatures * outFeatures, 1.0f / MathF.Sqrt(inFeatures)), inFeatures, outFeatures)]);
        if (_loraRank == 0)
        {
            return y;
        }

        // An overridable initializer: a graph input that has an initializer of the same name.
        string a = Init(TinyLora.AName(name), new float[inFeatures * _loraRank], inFeatures, _loraRank);
        string b = Init(TinyLora.BName(name), new float[_loraRank * outFeatures], _loraRank, outFeatures);
        _graph.Input.Add(ValueInfo(a, Float, inFeatures, "lora_rank"));
        _graph.Input.Add(ValueInfo(b, Float, "lora_rank", outFeatures));
        return Node("Add", [y, Node("MatMul", [Node("MatMul", [x, a]), b])]);
    }

    private string Heads(string x, string headsShape) =>
        Node("Transpose", [Node("Reshape", [x, headsShape])], ("perm", new long[] { 0, 2, 1, 3 }));

    private string Rope(string x, string cos, string sin, string splitHalves)
    {
        string x1 = Fresh();
        string x2 = Fresh();
        var split = new NodeProto { OpType = "Split", Name = Fresh() };
        split.Input.Add(x);
        split.Input.Add(splitHalves);
        split.Output.Add(x1);
        split.Output.Add(x2);
        split.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = -1 });
        _graph.Node.Add(split);
        string first = Node("Sub", [Node("Mul", [x1, cos]), Node("Mul", [x2, sin])]);
        string second = Node("Add", [Node("Mul", [x2, cos]), Node("Mul", [x1, sin])]);
        return Node("Concat", [first, second], ("axis", -1L));
    }

    private string Node(string op, string[] inputs, params (string Name, object Value)[] attributes) =>
        Node(op, inputs, output: null, attributes: attributes);

    private string Node(string op, string[] inputs, string? output, (string Name, object Value)[] attributes)
    {
        output ??= Fresh();
        var node = new NodeProto { OpType = op, Name = "n" + _counter++ };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach ((string name, object value) in attributes)
        {
            var a = new AttributeProto { Name = name };
            switch (value)
            {
                case long i:
                    a.Type = AttributeProto.Types.AttributeType.Int;
                    a.I = i;
                    break;
                case long[] ints:
                    a.Type = AttributeProto.Types.AttributeType.Ints;
                    a.Ints.AddRange(ints);
                    break;
                case int dataType:
                    a.Type = AttributeProto.Types.AttributeType.Int;
                    a.I = dataType;
                    break;
                default:
                    throw new ArgumentException($"Unsupported attribute value {value}.");
            }

            node.Attribute.Add(a);
        }

        _graph.Node.Add(node);
        return output;
    }

    private string Fresh() => "t" + _counter++;

    private string Init(string name, float[] data, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan())) };
        t.Dims.AddRange(dims);
        _graph.Initializer.Add(t);
        return name;
    }

    private string InitScalar(string name, float value)
    {
        var t = new TensorProto { Name = name, DataType = Float };
        t.FloatData.Add(value);
        _graph.Initializer.Add(t);
        return name;
    }

    private string Scalar(string name, long value)
    {
        var t = new TensorProto { Name = name, DataType = Int64 };
        t.Int64Data.Add(value);
        _graph.Initializer.Add(t);
        return name;
    }

    private string Ints(string name, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        _graph.Initializer.Add(t);
        return name;
    }

    private float[] Normal(int count, float std)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            data[i] = std * (float)NextGaussian();
        }

        return data;
    }

    private double NextGaussian() => NextGaussian(_random);

    /// <summary>A standard normal draw (Box–Muller).</summary>
    internal static double NextGaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static ValueInfoProto ValueInfo(string name, int elemType, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
        {
            shape.Dim.Add(d is string p ? new TensorShapeProto.Types.Dimension { DimParam = p } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } },
        };
    }
}
