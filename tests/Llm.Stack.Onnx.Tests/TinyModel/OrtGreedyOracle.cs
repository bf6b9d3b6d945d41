using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.ML.OnnxRuntime;

namespace Llm.Stack.Onnx.Tests.TinyModel;

/// <summary>
/// The correctness oracle: greedy decoding with a plain ONNX Runtime <see cref="InferenceSession"/>, step by step,
/// with a hand-managed KV cache (prompt in one step, then one token per step; argmax of the last logits row).
/// LoRA weights are applied as plain ONNX Runtime applies them: fed as the graph inputs they override, or through
/// ONNX Runtime's own <see cref="OrtLoraAdapter"/> in the run options.
/// </summary>
public sealed class OrtGreedyOracle : IDisposable
{
    private readonly InferenceSession _session;
    private readonly int _layers;
    private readonly int _heads;
    private readonly int _headSize;

    public OrtGreedyOracle(string modelDirectory, TinyModelSpec spec)
    {
        _session = new InferenceSession(Path.Combine(modelDirectory, "model.onnx"));
        _layers = spec.Layers;
        _heads = spec.Heads;
        _headSize = spec.HiddenSize / spec.Heads;
    }

    /// <summary>Generates greedily until one of <paramref name="eosIds"/> (not included) or <paramref name="maxNewTokens"/>.</summary>
    /// <param name="prompt">The prompt tokens.</param>
    /// <param name="maxNewTokens">The most tokens to generate.</param>
    /// <param name="eosIds">The tokens that end generation.</param>
    /// <param name="weights">LoRA tensors fed as the graph inputs of their names on every step, or <see langword="null"/>.</param>
    /// <param name="adapter">An adapter ONNX Runtime activates on every step, or <see langword="null"/>.</param>
    public List<int> Generate(IReadOnlyList<int> prompt, int maxNewTokens, IReadOnlyCollection<int> eosIds, IReadOnlyList<LoraParameter>? weights = null, OrtLoraAdapter? adapter = null)
    {
        var result = new List<int>();
        var past = new float[_layers * 2][];
        for (int i = 0; i < past.Length; i++)
        {
            past[i] = [];
        }

        int pastLength = 0;
        long[] step = prompt.Select(t => (long)t).ToArray();
        while (result.Count < maxNewTokens)
        {
            int total = pastLength + step.Length;
            var inputs = new Dictionary<string, OrtValue>
            {
                ["input_ids"] = OrtValue.CreateTensorValueFromMemory(step, [1, step.Length]),
                ["attention_mask"] = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, total).ToArray(), [1, total]),
                ["position_ids"] = OrtValue.CreateTensorValueFromMemory(Enumerable.Range(pastLength, step.Length).Select(p => (long)p).ToArray(), [1, step.Length]),
            };
            foreach (LoraParameter w in weights ?? [])
            {
                inputs[w.Name] = OrtValue.CreateTensorValueFromMemory(w.Data, w.Dims);
            }

            var outputNames = new List<string> { "logits" };
            for (int l = 0; l < _layers; l++)
            {
                inputs[$"past_key_values.{l}.key"] = OrtValue.CreateTensorValueFromMemory(past[2 * l], [1, _heads, pastLength, _headSize]);
                inputs[$"past_key_values.{l}.value"] = OrtValue.CreateTensorValueFromMemory(past[(2 * l) + 1], [1, _heads, pastLength, _headSize]);
                outputNames.Add($"present.{l}.key");
                outputNames.Add($"present.{l}.value");
            }

            using var runOptions = new RunOptions();
            if (adapter is not null)
            {
                runOptions.AddActiveLoraAdapter(adapter);
            }

            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(runOptions, inputs, outputNames);
            foreach (OrtValue v in inputs.Values)
            {
                v.Dispose();
            }

            ReadOnlySpan<float> logits = outputs[0].GetTensorDataAsSpan<float>();
            int vocab = (int)outputs[0].GetTensorTypeAndShape().Shape[2];
            ReadOnlySpan<float> last = logits.Slice(logits.Length - vocab, vocab);
            int best = 0;
            for (int t = 1; t < vocab; t++)
            {
                if (last[t] > last[best])
                {
                    best = t;
                }
            }

            for (int i = 0; i < past.Length; i++)
            {
                past[i] = outputs[i + 1].GetTensorDataAsSpan<float>().ToArray();
            }

            pastLength = total;
            if (eosIds.Contains(best))
            {
                break;
            }

            result.Add(best);
            step = [best];
        }

        return result;
    }

    public void Dispose() => _session.Dispose();
}
