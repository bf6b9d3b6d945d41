using Llm.Stack.TestUtilities.TinyModel;

namespace Llm.Stack.Onnx.Tests.TinyModel;

/// <summary>
/// The tiny model with a rank-4 LoRA branch on every projection (zero defaults: without an adapter it is the base
/// model) and two random adapters for it, "pirate" and "formal", written as <c>.onnx_adapter</c> files; a client
/// with both loaded. In a temporary folder deleted at the end.
/// </summary>
public sealed class TinyLoraModelFixture : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "llm-stack-lora-" + Guid.NewGuid().ToString("N")[..8]);

    public TinyLoraModelFixture()
    {
        Spec = new TinyModelSpec { LoraRank = 4 };
        ModelPath = TinyModelFiles.Write(Path.Combine(_root, "model"), Spec);
        Pirate = TinyLora.RandomAdapter(Spec, seed: 11);
        Formal = TinyLora.RandomAdapter(Spec, seed: 22);
        PiratePath = OnnxAdapterFile.Write(Path.Combine(_root, "pirate.onnx_adapter"), Pirate);
        FormalPath = OnnxAdapterFile.Write(Path.Combine(_root, "formal.onnx_adapter"), Formal);
        var options = new OnnxChatClientOptions();
        options.Adapters["pirate"] = PiratePath;
        options.Adapters["formal"] = FormalPath;
        Client = TinyChatModelFixture.NewClient(ModelPath, options);
    }

    public TinyModelSpec Spec { get; }

    public string ModelPath { get; }

    public IReadOnlyList<LoraParameter> Pirate { get; }

    public IReadOnlyList<LoraParameter> Formal { get; }

    public string PiratePath { get; }

    public string FormalPath { get; }

    /// <summary>Gets a client over the LoRA model with "pirate" and "formal" loaded.</summary>
    public OnnxChatClient Client { get; }

    /// <summary>Writes another adapter file in the fixture's folder.</summary>
    /// <returns>Its path.</returns>
    public string WriteAdapter(string fileName, IReadOnlyList<LoraParameter> parameters) =>
        OnnxAdapterFile.Write(Path.Combine(_root, fileName), parameters);

    /// <summary>Writes a file with the given bytes in the fixture's folder.</summary>
    /// <returns>Its path.</returns>
    public string WriteFile(string fileName, byte[] bytes)
    {
        string path = Path.Combine(_root, fileName);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        Client.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file may still be mapped by a client a test leaked; the temp folder is cleaned by the OS.
        }
    }
}
