using System.Globalization;
using Llm.Stack.Onnx;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Reads the keys of a local model from a configuration section that <c>AddLlmStack(configuration)</c> has already
/// validated (so values parse), and checks what only the file system can tell.
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

    /// <summary>The absolute model path; fails naming the key when it does not exist.</summary>
    public static string ExistingModelPath(IConfigurationSection section, bool file)
    {
        string key = section.Path + ":ModelPath";
        string value = section["ModelPath"] is { Length: > 0 } v ? v : throw new InvalidOperationException($"{key} is required when the provider is 'onnx'.");
        string path = Path.GetFullPath(value);
        if (!Directory.Exists(path) && !(file && File.Exists(path)))
        {
            throw new InvalidOperationException($"{key} is '{value}', but the model {(file ? "file or folder" : "folder")} '{path}' does not exist.");
        }

        return path;
    }
}
