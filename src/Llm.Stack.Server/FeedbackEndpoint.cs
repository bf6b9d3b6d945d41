using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Server;

/// <summary>
/// <c>POST /v1/feedback</c>: a person's feedback on an answer, by the interaction id the chat endpoint returned
/// (<c>X-Interaction-Id</c>, or <c>interaction_id</c> in the completion), recorded through the registered <see cref="InteractionLog"/>.
/// </summary>
/// <remarks>Thread-safe: holds no per-request state.</remarks>
internal sealed class FeedbackEndpoint(IServiceProvider services, OpenAIRequestGuard guard)
{
    private static readonly string[] Keys = ["interaction_id", "rating", "labels", "corrected_answer", "relevant_chunk_ids", "irrelevant_chunk_ids", "comment", "user"];

    public async Task HandleAsync(HttpContext http, CancellationToken cancellationToken)
    {
        InteractionLog log = services.GetService<InteractionLog>()
            ?? throw new OpenAIError(404, "This server keeps no interaction log, so it takes no feedback (the app registers one with AddInteractionLog()).", code: "feedback_not_enabled");

        string id;
        InteractionFeedback feedback;
        using (JsonDocument body = await guard.ReadJsonAsync(http, cancellationToken).ConfigureAwait(false))
        {
            (id, feedback) = Parse(body.RootElement);
        }

        bool recorded;
        try
        {
            recorded = await log.RecordFeedbackAsync(id, feedback, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw OpenAIError.Invalid(e.Message.Split(" (Parameter", 2)[0]);
        }

        if (!recorded)
        {
            throw new OpenAIError(404, $"No interaction has the id '{id}' (it was never recorded, or retention deleted it).", "interaction_id", "interaction_not_found");
        }

        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(ChatCompletionsEndpoint.Write(json =>
        {
            json.WriteString("object", "feedback");
            json.WriteString("interaction_id", id);
            json.WriteBoolean("recorded", true);
        }), cancellationToken).ConfigureAwait(false);
    }

    private static (string Id, InteractionFeedback Feedback) Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIError.Invalid("The body must be a JSON object, such as {\"interaction_id\": \"…\", \"rating\": 5}.");
        }

        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!Keys.Contains(property.Name, StringComparer.Ordinal))
            {
                throw OpenAIError.Invalid($"'{property.Name}' is not a feedback field; the fields are: {string.Join(", ", Keys)}.", property.Name);
            }
        }

        string id = String(root, "interaction_id") is { Length: > 0 } text
            ? text
            : throw OpenAIError.Invalid("'interaction_id' is required: the id the chat completion returned (header X-Interaction-Id).", "interaction_id");
        var feedback = new InteractionFeedback
        {
            Labels = Strings(root, "labels"),
            CorrectedAnswer = String(root, "corrected_answer"),
            RelevantChunkIds = Strings(root, "relevant_chunk_ids"),
            IrrelevantChunkIds = Strings(root, "irrelevant_chunk_ids"),
            Comment = String(root, "comment"),
            UserId = String(root, "user"),
        };
        if (root.TryGetProperty("rating", out JsonElement rating) && rating.ValueKind != JsonValueKind.Null)
        {
            if (rating.ValueKind != JsonValueKind.Number || !rating.TryGetInt32(out int value) || value is < InteractionFeedback.MinRating or > InteractionFeedback.MaxRating)
            {
                throw OpenAIError.Invalid($"'rating' must be a whole number from {InteractionFeedback.MinRating} to {InteractionFeedback.MaxRating}.", "rating");
            }

            feedback.Rating = value;
        }

        return (id, feedback);
    }

    private static string? String(JsonElement root, string name) =>
        !root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw OpenAIError.Invalid($"'{name}' must be a string.", name);

    private static string[] Strings(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(e.GetString())))
        {
            throw OpenAIError.Invalid($"'{name}' must be an array of non-empty strings.", name);
        }

        return [.. value.EnumerateArray().Select(e => e.GetString()!)];
    }
}
