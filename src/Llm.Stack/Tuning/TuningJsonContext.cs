using System.Text.Json.Serialization;

namespace Llm.Stack;

/// <summary>Source-generated JSON for the tuning files' headers (trim- and AOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(EmbeddingAdapter.AdapterHeader))]
[JsonSerializable(typeof(EmbeddingClassifier.ClassifierHeader))]
internal sealed partial class TuningJsonContext : JsonSerializerContext;
