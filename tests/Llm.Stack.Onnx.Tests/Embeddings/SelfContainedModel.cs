using System.Globalization;
using Google.Protobuf;
using Onnx;

namespace Llm.Stack.Onnx.Tests.Embeddings;

/// <summary>
/// Turns a model whose initializers are in ONNX's external-data format (as the MiniLM package ships it:
/// <c>model.onnx</c> plus <c>model.onnx_data</c>) back into one self-contained <c>.onnx</c> file, as most models that
/// users bring are: each external initializer gets its bytes back as <c>raw_data</c>.
/// </summary>
internal static class SelfContainedModel
{
    /// <summary>Reads <paramref name="modelPath"/> and the data files it names; returns the self-contained model.</summary>
    public static ModelProto Read(string modelPath)
    {
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
        string folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        foreach (TensorProto tensor in model.Graph.Initializer)
        {
            if (tensor.DataLocation != TensorProto.Types.DataLocation.External)
            {
                continue;
            }

            Dictionary<string, string> entries = tensor.ExternalData.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
            long offset = long.Parse(entries["offset"], CultureInfo.InvariantCulture);
            int length = int.Parse(entries["length"], CultureInfo.InvariantCulture);
            using FileStream data = File.OpenRead(Path.Combine(folder, entries["location"]));
            var bytes = new byte[length];
            data.Position = offset;
            data.ReadExactly(bytes);
            tensor.RawData = ByteString.CopyFrom(bytes);
            tensor.ExternalData.Clear();
            tensor.DataLocation = TensorProto.Types.DataLocation.Default;
        }

        return model;
    }
}
