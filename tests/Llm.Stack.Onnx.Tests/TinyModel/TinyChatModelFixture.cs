using Llm.Stack.TestUtilities.TinyModel;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Llm.Stack.Onnx.Tests.TinyModel;

/// <summary>
/// Builds the tiny model folders once per test run (in a temporary folder deleted at the end): the base model
/// (random weights, masked special and raw-byte tokens), and forced variants that spell given outputs.
/// </summary>
public sealed class TinyChatModelFixture : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "llm-stack-tiny-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Lock _lock = new();
    private int _variants;

    public TinyChatModelFixture()
    {
        Spec = new TinyModelSpec();
        BaseModelPath = TinyModelFiles.Write(Path.Combine(_root, "base"), Spec);
        Client = NewClient(BaseModelPath);
        Tokenizer = (Tokenizer)Client.GetService(typeof(Tokenizer))!;
    }

    public TinyModelSpec Spec { get; }

    public string BaseModelPath { get; }

    /// <summary>Gets a client over the base model, shared by tests that only read.</summary>
    public OnnxChatClient Client { get; }

    public Tokenizer Tokenizer { get; }

    public static OnnxChatClient NewClient(string path, OnnxChatClientOptions? options = null)
    {
        options ??= new OnnxChatClientOptions();
        if (options.IntraOpThreads == 0)
        {
            options.IntraOpThreads = 1;
        }

        return new OnnxChatClient(path, options);
    }

    public int[] Encode(string text)
    {
        using Sequences s = Tokenizer.Encode(text);
        return s[0].ToArray();
    }

    /// <summary>The prompt tokens the client produces for a conversation.</summary>
    public int[] PromptTokens(IReadOnlyList<ChatMessage> messages, ChatOptions? options = null) =>
        Encode(Client.FormatPrompt(messages, options));

    /// <summary>Writes a model that, after each of the given conversations, spells the paired output tokens and then EOS.</summary>
    public string WriteForced(params (IReadOnlyList<ChatMessage> Messages, ChatOptions? Options, int[] Output)[] turns) =>
        WriteForced(Spec, turns);

    /// <summary>As <see cref="WriteForced(ValueTuple{IReadOnlyList{ChatMessage}, ChatOptions, int[]}[])"/>, from another base spec (e.g. a longer context for prompts with tools).</summary>
    public string WriteForced(TinyModelSpec spec, params (IReadOnlyList<ChatMessage> Messages, ChatOptions? Options, int[] Output)[] turns)
    {
        var forced = new Dictionary<int, int>();
        int eos = TinyModelFiles.Bpe.IdOf(TinyModelFiles.ImEnd);
        foreach ((IReadOnlyList<ChatMessage> messages, ChatOptions? options, int[] output) in turns)
        {
            int start = PromptTokens(messages, options).Length - 1;
            for (int i = 0; i < output.Length; i++)
            {
                forced[start + i] = output[i];
            }

            forced[start + output.Length] = eos;
        }

        return WriteVariant(spec with { ForcedTokens = forced });
    }

    public string WriteVariant(TinyModelSpec spec)
    {
        int n;
        lock (_lock)
        {
            n = _variants++;
        }

        return TinyModelFiles.Write(Path.Combine(_root, "v" + n), spec);
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
            // A model file may still be mapped by a client a test leaked; the temp folder is cleaned by the OS.
        }
    }
}
