namespace Llm.Stack.TestUtilities.TinyModel;

/// <summary>
/// The LoRA branches of a tiny model built with <see cref="TinyModelSpec.LoraRank"/> above zero, and random adapters
/// for them (the weights a real fine-tuning run would produce, here drawn from a seed).
/// </summary>
public static class TinyLora
{
    private static readonly string[] AttentionProjections = ["q_proj", "k_proj", "v_proj", "o_proj"];

    /// <summary>The graph input of a projection's A matrix ([in, rank]).</summary>
    /// <returns>The name.</returns>
    public static string AName(string projection) => projection + ".lora_A.weight";

    /// <summary>The graph input of a projection's B matrix ([rank, out]).</summary>
    /// <returns>The name.</returns>
    public static string BName(string projection) => projection + ".lora_B.weight";

    /// <summary>Every projection with a LoRA branch: its name and its input and output sizes.</summary>
    /// <returns>The projections, layer by layer.</returns>
    public static IReadOnlyList<(string Projection, int In, int Out)> Targets(TinyModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var targets = new List<(string, int, int)>();
        for (int l = 0; l < spec.Layers; l++)
        {
            foreach (string p in AttentionProjections)
            {
                targets.Add(($"l{l}.{p}", spec.HiddenSize, spec.HiddenSize));
            }

            targets.Add(($"l{l}.gate_proj", spec.HiddenSize, spec.IntermediateSize));
            targets.Add(($"l{l}.up_proj", spec.HiddenSize, spec.IntermediateSize));
            targets.Add(($"l{l}.down_proj", spec.IntermediateSize, spec.HiddenSize));
        }

        return targets;
    }

    /// <summary>
    /// A random adapter for every projection: A ~ N(0, 1/in), B ~ N(0, scale²/rank), so the update A·B has the
    /// spread of the base weights times <paramref name="scale"/>.
    /// </summary>
    /// <returns>The A and B tensors of every projection.</returns>
    public static IReadOnlyList<LoraParameter> RandomAdapter(TinyModelSpec spec, int seed, float scale = 1.0f)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int rank = spec.LoraRank;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rank, nameof(spec));
        var random = new Random(seed);
        var parameters = new List<LoraParameter>();
        foreach ((string projection, int inFeatures, int outFeatures) in Targets(spec))
        {
            parameters.Add(new LoraParameter(AName(projection), [inFeatures, rank], Normal(random, inFeatures * rank, 1.0f / MathF.Sqrt(inFeatures))));
            parameters.Add(new LoraParameter(BName(projection), [rank, outFeatures], Normal(random, rank * outFeatures, scale / MathF.Sqrt(rank))));
        }

        return parameters;
    }

    private static float[] Normal(Random random, int count, float std)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            data[i] = std * (float)TinyLlamaGraph.NextGaussian(random);
        }

        return data;
    }
}
