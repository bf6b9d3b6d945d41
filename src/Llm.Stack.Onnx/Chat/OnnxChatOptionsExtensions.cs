using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Onnx;

/// <summary>Per-request options of an <see cref="OnnxChatClient"/> carried in <see cref="ChatOptions.AdditionalProperties"/>.</summary>
public static class OnnxChatOptionsExtensions
{
    /// <summary>
    /// The <see cref="ChatOptions.AdditionalProperties"/> key whose string value names the LoRA adapter a request runs
    /// with (one loaded through <see cref="OnnxChatClientOptions.Adapters"/> or <see cref="OnnxChatClient.LoadAdapter"/>).
    /// Absent or <see langword="null"/>: the base model.
    /// </summary>
    public const string AdapterPropertyName = "onnx_adapter";

    /// <summary>Selects the LoRA adapter a request to an <see cref="OnnxChatClient"/> runs with.</summary>
    /// <param name="options">The request's options.</param>
    /// <param name="adapterName">The adapter's name, or <see langword="null"/> for the base model.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="adapterName"/> is empty or white space.</exception>
    public static ChatOptions WithOnnxAdapter(this ChatOptions options, string? adapterName)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (adapterName is null)
        {
            options.AdditionalProperties?.Remove(AdapterPropertyName);
            return options;
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(adapterName);
        (options.AdditionalProperties ??= [])[AdapterPropertyName] = adapterName;
        return options;
    }

    /// <summary>Gets the LoRA adapter a request selects.</summary>
    /// <param name="options">The request's options, or <see langword="null"/>.</param>
    /// <returns>The adapter's name, or <see langword="null"/> when the request runs the base model.</returns>
    /// <exception cref="ArgumentException">The <see cref="AdapterPropertyName"/> entry is not a string.</exception>
    public static string? GetOnnxAdapter(this ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { } additional || !additional.TryGetValue(AdapterPropertyName, out object? value))
        {
            return null;
        }

        // A JSON string arrives when the options were deserialised (e.g. from an OpenAI-compatible request's extra fields).
        return value switch
        {
            null => null,
            string name => name,
            JsonElement { ValueKind: JsonValueKind.String } json => json.GetString(),
            JsonElement { ValueKind: JsonValueKind.Null } => null,
            _ => throw new ArgumentException($"ChatOptions.AdditionalProperties[\"{AdapterPropertyName}\"] must be an adapter name (a string), not {value}.", nameof(options)),
        };
    }
}
