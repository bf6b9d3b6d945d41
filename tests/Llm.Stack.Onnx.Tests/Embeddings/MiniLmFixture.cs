using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Llm.Stack.Onnx;

namespace Llm.Stack.Onnx.Tests.Embeddings;

/// <summary>
/// The built-in MiniLM model, loaded once per test run (a session takes about a second and the model is 90 MB),
/// plus the same model written out as a Hugging Face-style folder for the path-based constructor and the oracle: one
/// self-contained <c>model.onnx</c> (the package ships its weights apart, in <c>model.onnx_data</c>; most models users
/// bring are single files), so the built-in generator is also checked against the single-file form of its model.
/// </summary>
public sealed class MiniLmFixture : IDisposable
{
    public MiniLmFixture()
    {
        Generator = MiniLmEmbeddingGenerator.Create();
        Folder = Path.Combine(Path.GetTempPath(), "llmstack-minilm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        string builtIn = Path.Combine(Path.GetDirectoryName(typeof(MiniLmEmbeddingGenerator).Assembly.Location)!, "minilm");
        File.WriteAllBytes(Path.Combine(Folder, "model.onnx"), SelfContainedModel.Read(Path.Combine(builtIn, "model.onnx")).ToByteArray());
        VocabularyText = File.ReadAllText(Path.Combine(builtIn, "vocab.txt"), Encoding.UTF8);
        File.WriteAllText(Path.Combine(Folder, "vocab.txt"), VocabularyText);
        TokenizerJsonPath = Path.Combine(Folder, "hf-tokenizer.json");
        File.WriteAllText(TokenizerJsonPath, BuildTokenizerJson(VocabularyText));
    }

    /// <summary>Gets the generator of the built-in model, shared by the tests of the collection.</summary>
    public OnnxEmbeddingGenerator Generator { get; }

    /// <summary>Gets a temporary folder with a self-contained <c>model.onnx</c> and <c>vocab.txt</c>.</summary>
    public string Folder { get; }

    /// <summary>Gets the text of the model's <c>vocab.txt</c>.</summary>
    public string VocabularyText { get; }

    /// <summary>
    /// Gets the path of a Hugging Face <c>tokenizer.json</c> equal to all-MiniLM-L6-v2's: BertNormalizer (clean text,
    /// Chinese chars, lowercase, accents stripped with lowercase), BertPreTokenizer, WordPiece (##, 100 chars per word).
    /// </summary>
    public string TokenizerJsonPath { get; }

    public void Dispose()
    {
        Generator.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A session created from the folder may still hold the file on some platforms; the temp folder is cleaned later.
        }
    }

    private static string BuildTokenizerJson(string vocabularyText)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        int id = 0;
        foreach (string raw in vocabularyText.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 && id >= 30522)
            {
                continue;
            }

            vocab.TryAdd(line, id++);
        }

        object Special(string content, int tokenId) => new
        {
            id = tokenId,
            content,
            single_word = false,
            lstrip = false,
            rstrip = false,
            normalized = false,
            special = true,
        };

        var document = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new[] { Special("[PAD]", 0), Special("[UNK]", 100), Special("[CLS]", 101), Special("[SEP]", 102), Special("[MASK]", 103) },
            ["normalizer"] = new { type = "BertNormalizer", clean_text = true, handle_chinese_chars = true, strip_accents = (bool?)null, lowercase = true },
            ["pre_tokenizer"] = new { type = "BertPreTokenizer" },
            ["post_processor"] = new { type = "BertProcessing", sep = new object[] { "[SEP]", 102 }, cls = new object[] { "[CLS]", 101 } },
            ["decoder"] = new { type = "WordPiece", prefix = "##", cleanup = true },
            ["model"] = new Dictionary<string, object>
            {
                ["type"] = "WordPiece",
                ["unk_token"] = "[UNK]",
                ["continuing_subword_prefix"] = "##",
                ["max_input_chars_per_word"] = 100,
                ["vocab"] = vocab,
            },
        };
        return JsonSerializer.Serialize(document);
    }
}

[CollectionDefinition(Name)]
public sealed class MiniLmTestGroup : ICollectionFixture<MiniLmFixture>
{
    public const string Name = "MiniLM";
}
