using System.Text.Json.Serialization;

namespace Llm.Stack;

/// <summary>Source-generated JSON for the adapter file's header (trim- and AOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(EmbeddingAdapter.AdapterHeader))]
internal sealed partial class EmbeddingAdapterJsonContext : JsonSerializerContext;
