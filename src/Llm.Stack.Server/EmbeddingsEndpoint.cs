using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Server;

/// <summary><c>POST /v1/embeddings</c> over the registered embedding generator, as float arrays or base64.</summary>
/// <remarks>Thread-safe: holds no per-request state.</remarks>
internal sealed class EmbeddingsEndpoint(ServedModels models, OpenAIRequestGuard guard)
{
    public async Task HandleAsync(HttpContext http, CancellationToken cancellationToken)
    {
        string model;
        List<string> inputs;
        bool base64;
        int? dimensions;
        using (JsonDocument body = await guard.ReadJsonAsync(http, cancellationToken).ConfigureAwait(false))
        {
            JsonElement root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw OpenAIError.Invalid("The request body must be a JSON object.");
            }

            model = ChatCompletionRequest.RequiredString(root, "model");
            inputs = ParseInput(root);
            base64 = ChatCompletionRequest.Get(root, "encoding_format") switch
            {
                null => false,
                { ValueKind: JsonValueKind.String } f when f.GetString() == "float" => false,
                { ValueKind: JsonValueKind.String } f when f.GetString() == "base64" => true,
                _ => throw OpenAIError.Invalid("'encoding_format' must be \"float\" or \"base64\".", "encoding_format"),
            };
            dimensions = ChatCompletionRequest.Get(root, "dimensions") switch
            {
                null => null,
                { ValueKind: JsonValueKind.Number } d when d.TryGetInt32(out int n) && n > 0 => n,
                _ => throw OpenAIError.Invalid("'dimensions' must be a positive integer.", "dimensions"),
            };
        }

        IEmbeddingGenerator<string, Embedding<float>> generator = models.ResolveEmbedder(model);
        if (dimensions is int wanted && generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions is int native && wanted != native)
        {
            throw OpenAIError.Invalid($"The model '{model}' produces {native} dimensions; 'dimensions' must be {native} or left out.", "dimensions");
        }

        GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync(inputs, null, cancellationToken).ConfigureAwait(false);
        long tokens = embeddings.Usage?.InputTokenCount ?? inputs.Sum(i => (long)PromptBudget.DefaultTokenizer.CountTokens(i));
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(ChatCompletionsEndpoint.Write(json =>
        {
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            for (int i = 0; i < embeddings.Count; i++)
            {
                json.WriteStartObject();
                json.WriteString("object", "embedding");
                json.WriteNumber("index", i);
                ReadOnlySpan<float> vector = embeddings[i].Vector.Span;
                if (base64)
                {
                    json.WriteBase64String("embedding", MemoryMarshal.AsBytes(vector));
                }
                else
                {
                    json.WriteStartArray("embedding");
                    foreach (float value in vector)
                    {
                        json.WriteNumberValue(value);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("model", model);
            json.WriteStartObject("usage");
            json.WriteNumber("prompt_tokens", tokens);
            json.WriteNumber("total_tokens", tokens);
            json.WriteEndObject();
        }), cancellationToken).ConfigureAwait(false);
    }

    private static List<string> ParseInput(JsonElement root)
    {
        const string Expected = "'input' must be a non-empty string or an array of non-empty strings (token arrays are not supported).";
        switch (ChatCompletionRequest.Get(root, "input"))
        {
            case { ValueKind: JsonValueKind.String } one when one.GetString() is { Length: > 0 } text:
                return [text];
            case { ValueKind: JsonValueKind.Array } many when many.GetArrayLength() is > 0 and <= 2048
                && many.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String && e.GetString()!.Length > 0):
                return many.EnumerateArray().Select(e => e.GetString()!).ToList();
            default:
                throw OpenAIError.Invalid(Expected, "input");
        }
    }
}
