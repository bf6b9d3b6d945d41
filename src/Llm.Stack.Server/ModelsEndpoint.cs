using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Llm.Stack.Server;

/// <summary><c>GET /v1/models</c> and <c>GET /v1/models/{id}</c>.</summary>
internal static class ModelsEndpoint
{
    public static async Task ListAsync(HttpContext http, ServedModels models, CancellationToken cancellationToken)
    {
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(ChatCompletionsEndpoint.Write(json =>
        {
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            foreach ((string id, _) in models.List())
            {
                json.WriteStartObject();
                Model(json, id, models.Created);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }), cancellationToken).ConfigureAwait(false);
    }

    public static async Task GetAsync(HttpContext http, ServedModels models, CancellationToken cancellationToken)
    {
        string id = http.Request.RouteValues["id"] as string ?? string.Empty;
        if (!models.List().Any(m => m.Id == id))
        {
            throw new OpenAIError(404, $"The model '{id}' does not exist (see GET /v1/models).", "model", "model_not_found");
        }

        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(ChatCompletionsEndpoint.Write(json => Model(json, id, models.Created)), cancellationToken).ConfigureAwait(false);
    }

    private static void Model(Utf8JsonWriter json, string id, long created)
    {
        json.WriteString("id", id);
        json.WriteString("object", "model");
        json.WriteNumber("created", created);
        json.WriteString("owned_by", "llmstack");
    }
}
