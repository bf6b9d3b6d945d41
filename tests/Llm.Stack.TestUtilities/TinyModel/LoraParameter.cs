namespace Llm.Stack.TestUtilities.TinyModel;

/// <summary>One float32 tensor of a LoRA adapter: the graph input it overrides, its shape and its values (row-major).</summary>
/// <param name="Name">The name of the model's graph input (an initializer with a default) that the tensor replaces.</param>
/// <param name="Dims">The shape.</param>
/// <param name="Data">The values, row-major; their count is the product of <paramref name="Dims"/>.</param>
public sealed record LoraParameter(string Name, long[] Dims, float[] Data);
