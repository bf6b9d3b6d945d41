using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Llm.Stack.TestUtilities.TinyModel;

/// <summary>
/// Writes a complete ONNX Runtime GenAI model folder for a tiny random "llama": <c>model.onnx</c>,
/// <c>genai_config.json</c>, a GPT-2 byte-level BPE <c>tokenizer.json</c> and <c>tokenizer_config.json</c>
/// with a ChatML chat template (Hermes/Qwen style tools).
/// </summary>
public static class TinyModelFiles
{
    /// <summary>The end-of-text token (also BOS and PAD).</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>ChatML start of a message.</summary>
    public const string ImStart = "<|im_start|>";

    /// <summary>ChatML end of a message (the EOS of chat turns).</summary>
    public const string ImEnd = "<|im_end|>";

    /// <summary>A Qwen-2.5-like ChatML template with a tools section.</summary>
    public const string ChatMlTemplate =
        "{%- if tools %}{{- '<|im_start|>system\\n' }}{%- if messages[0]['role'] == 'system' %}{{- messages[0]['content'] + '\\n\\n' }}{%- endif %}" +
        "{{- '# Tools\\n\\n<tools>' }}{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}{%- endfor %}" +
        "{{- '\\n</tools>\\n\\nFor each function call, return a json object within <tool_call></tool_call> XML tags.<|im_end|>\\n' }}" +
        "{%- else %}{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}{%- endif %}{%- endif %}" +
        "{%- for message in messages %}{%- if message['role'] != 'system' %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endif %}{%- endfor %}" +
        "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    private static readonly string[] Added = [EndOfText, ImStart, ImEnd, "<tool_call>", "</tool_call>"];

    private static readonly Lazy<TinyByteLevelBpe> SharedBpe = new(() => TinyByteLevelBpe.Train(500, Added));

    /// <summary>Gets the tokenizer the models use.</summary>
    public static TinyByteLevelBpe Bpe => SharedBpe.Value;

    /// <summary>Writes the model folder.</summary>
    /// <returns>The folder.</returns>
    public static string Write(string directory, TinyModelSpec spec)
    {
        TinyByteLevelBpe bpe = Bpe;
        if (bpe.Vocab.Count != spec.VocabSize)
        {
            throw new InvalidOperationException($"The tokenizer has {bpe.Vocab.Count} tokens, the spec {spec.VocabSize}.");
        }

        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "model.onnx"), TinyLlamaGraph.Build(spec, PositionBias(spec, bpe)));
        File.WriteAllText(Path.Combine(directory, "genai_config.json"), GenAiConfig(spec, bpe));
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), TokenizerJson(bpe));
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), TokenizerConfig(spec));
        return directory;
    }

    /// <summary>Tokens never chosen unless forced: added tokens and raw bytes that are not complete UTF-8 text.</summary>
    public static bool IsMasked(int id)
    {
        byte[]? bytes = Bpe.BytesOf(id);
        if (bytes is null)
        {
            return true;
        }

        foreach (byte b in bytes)
        {
            if ((b < 0x20 && b != (byte)'\n') || b >= 0x7F)
            {
                return true;
            }
        }

        return false;
    }

    private static float[] PositionBias(TinyModelSpec spec, TinyByteLevelBpe bpe)
    {
        var bias = new float[spec.ContextLength * spec.VocabSize];
        for (int p = 0; p < spec.ContextLength; p++)
        {
            for (int t = 0; t < spec.VocabSize; t++)
            {
                bias[(p * spec.VocabSize) + t] = IsMasked(t) ? -1e4f : 0f;
            }
        }

        foreach ((int position, int token) in spec.ForcedTokens)
        {
            if (position < 0 || position >= spec.ContextLength || token < 0 || token >= bpe.Vocab.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(spec), $"Forced token {token} at {position} is out of range.");
            }

            bias[(position * spec.VocabSize) + token] = 1e4f;
        }

        return bias;
    }

    private static string GenAiConfig(TinyModelSpec spec, TinyByteLevelBpe bpe)
    {
        var config = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["bos_token_id"] = bpe.IdOf(EndOfText),
                ["context_length"] = spec.ContextLength,
                ["decoder"] = new JsonObject
                {
                    ["session_options"] = new JsonObject { ["log_id"] = "onnxruntime-genai", ["provider_options"] = new JsonArray() },
                    ["filename"] = "model.onnx",
                    ["head_size"] = spec.HiddenSize / spec.Heads,
                    ["hidden_size"] = spec.HiddenSize,
                    ["inputs"] = new JsonObject
                    {
                        ["input_ids"] = "input_ids",
                        ["attention_mask"] = "attention_mask",
                        ["position_ids"] = "position_ids",
                        ["past_key_names"] = "past_key_values.%d.key",
                        ["past_value_names"] = "past_key_values.%d.value",
                    },
                    ["outputs"] = new JsonObject
                    {
                        ["logits"] = "logits",
                        ["present_key_names"] = "present.%d.key",
                        ["present_value_names"] = "present.%d.value",
                    },
                    ["num_attention_heads"] = spec.Heads,
                    ["num_hidden_layers"] = spec.Layers,
                    ["num_key_value_heads"] = spec.Heads,
                },
                ["eos_token_id"] = new JsonArray(bpe.IdOf(ImEnd), bpe.IdOf(EndOfText)),
                ["pad_token_id"] = bpe.IdOf(EndOfText),
                ["type"] = "llama",
                ["vocab_size"] = spec.VocabSize,
            },
            ["search"] = new JsonObject
            {
                ["diversity_penalty"] = 0.0,
                ["do_sample"] = false,
                ["early_stopping"] = true,
                ["length_penalty"] = 1.0,
                ["max_length"] = spec.ContextLength,
                ["min_length"] = 0,
                ["no_repeat_ngram_size"] = 0,
                ["num_beams"] = 1,
                ["num_return_sequences"] = 1,
                ["past_present_share_buffer"] = false,
                ["repetition_penalty"] = 1.0,
                ["temperature"] = 1.0,
                ["top_k"] = 1,
                ["top_p"] = 1.0,
            },
        };
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static string TokenizerJson(TinyByteLevelBpe bpe)
    {
        int firstAdded = bpe.Vocab.Count - bpe.AddedTokens.Count;
        var addedTokens = new JsonArray();
        for (int i = 0; i < bpe.AddedTokens.Count; i++)
        {
            string content = bpe.AddedTokens[i];
            addedTokens.Add(new JsonObject
            {
                ["id"] = firstAdded + i,
                ["content"] = content,
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = !content.Contains("tool_call", StringComparison.Ordinal),
            });
        }

        var vocab = new JsonObject();
        for (int id = 0; id < firstAdded; id++)
        {
            vocab[bpe.Vocab[id]] = id;
        }

        var merges = new JsonArray();
        foreach ((string left, string right) in bpe.Merges)
        {
            merges.Add(left + " " + right);
        }

        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = addedTokens,
            ["normalizer"] = null,
            ["pre_tokenizer"] = byteLevel.DeepClone(),
            ["post_processor"] = byteLevel.DeepClone(),
            ["decoder"] = byteLevel.DeepClone(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
        return tokenizer.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static string TokenizerConfig(TinyModelSpec spec)
    {
        var config = new JsonObject
        {
            ["add_bos_token"] = false,
            ["add_prefix_space"] = false,
            ["bos_token"] = EndOfText,
            ["eos_token"] = ImEnd,
            ["pad_token"] = EndOfText,
            ["unk_token"] = null,
            ["clean_up_tokenization_spaces"] = false,
            ["model_max_length"] = spec.ContextLength,
            ["tokenizer_class"] = "GPT2Tokenizer",
        };
        if (spec.ChatTemplate is not null)
        {
            config["chat_template"] = spec.ChatTemplate;
        }

        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>Encodes text as the UTF-8 bytes of each token, for diagnostics.</summary>
    internal static string Describe(IEnumerable<int> ids) =>
        string.Join("|", ids.Select(id => Bpe.BytesOf(id) is { } b ? Encoding.UTF8.GetString(b) : Bpe.Vocab[id]));
}
