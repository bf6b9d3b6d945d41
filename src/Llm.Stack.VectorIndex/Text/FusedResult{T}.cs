namespace Llm.Stack.VectorIndex;

/// <summary>An item of a fused ranking, with its fused score.</summary>
/// <typeparam name="T">The type of the ranked items.</typeparam>
/// <param name="Item">The item.</param>
/// <param name="Score">The fused score: higher is better. Its scale depends on the fusion method (see <see cref="RankFusion"/>).</param>
public readonly record struct FusedResult<T>(T Item, double Score);
