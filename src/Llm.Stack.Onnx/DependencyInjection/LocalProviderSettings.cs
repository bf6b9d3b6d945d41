using System.Globalization;
using Llm.Stack.Onnx;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Reads the keys of a local model from a configuration section that <c>AddLlmStack(configuration)</c> has already
/// validated (so values parse).
/// </summary>
internal static class LocalProviderSettings
{
    public const string OnnxName = "onnx";

    public static OnnxExecutionProvider? ExecutionProvider(IConfigurationSection section) =>
        section["ExecutionProvider"] is { Length: > 0 } value ? Enum.Parse<OnnxExecutionProvider>(value, ignoreCase: true) : null;

    public static int DeviceId(IConfigurationSection section) =>
        section["DeviceId"] is { Length: > 0 } value ? int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture) : 0;

    /// <summary>The execution provider, device and batch size of an embedding model.</summary>
    public static OnnxEmbeddingGeneratorOptions EmbeddingOptions(IConfigurationSection section, OnnxEmbeddingGeneratorOptions? options = null)
    {
        options ??= new OnnxEmbeddingGeneratorOptions();
        options.ExecutionProvider = ExecutionProvider(section) ?? OnnxExecutionProvider.Cpu;
        options.DeviceId = DeviceId(section);
        if (section["BatchSize"] is { Length: > 0 } batch)
        {
            options.BatchSize = int.Parse(batch, NumberStyles.Integer, CultureInfo.InvariantCulture);
        }

        return options;
    }

    /// <summary>The LoRA adapters of a chat model (<c>Adapters:&lt;name&gt;</c> = a path), by name, with absolute paths.</summary>
    public static IEnumerable<(string Name, string Path)> Adapters(IConfigurationSection section) =>
        section.GetSection("Adapters").GetChildren()
            .Where(item => !string.IsNullOrWhiteSpace(item.Value))
            .Select(item => (item.Key, Path.GetFullPath(item.Value!.Trim())));

    /// <summary>The absolute model path (its existence was checked by AddLlmStack(configuration); the model load reports a folder removed since).</summary>
    public static string ModelPath(IConfigurationSection section) =>
        section["ModelPath"] is { Length: > 0 } value
            ? Path.GetFullPath(value)
            : throw new InvalidOperationException($"{section.Path}:ModelPath is required when the provider is 'onnx'.");
}
