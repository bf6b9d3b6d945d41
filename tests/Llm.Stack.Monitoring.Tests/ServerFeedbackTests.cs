using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Llm.Stack.Monitoring.Tests;

/// <summary>The interaction id and <c>POST /v1/feedback</c> on a real Kestrel server over a real SQLite file.</summary>
public sealed class ServerFeedbackTests : IDisposable
{
    private static readonly string[] Wrong = ["wrong"];
    private static readonly string[] Relevant = ["a.md#0"];
    private readonly TempFolder _folder = new();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_completion_returns_its_interaction_id_and_feedback_on_it_is_stored()
    {
        await using WebApplication app = await StartAsync(withLog: true);
        string v1 = Address(app) + "/v1/";

        using HttpResponseMessage completion = await _http.PostAsync(v1 + "chat/completions", Json(new { model = "tiny", messages = new[] { new { role = "user", content = "Hello?" } } }));
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        string id = Assert.Single(completion.Headers.GetValues("X-Interaction-Id"));
        using (JsonDocument body = JsonDocument.Parse(await completion.Content.ReadAsStringAsync()))
        {
            Assert.Equal(id, body.RootElement.GetProperty("interaction_id").GetString());
        }

        using HttpResponseMessage feedback = await _http.PostAsync(v1 + "feedback", Json(new
        {
            interaction_id = id,
            rating = 1,
            labels = Wrong,
            corrected_answer = "Hi!",
            relevant_chunk_ids = Relevant,
            irrelevant_chunk_ids = Array.Empty<string>(),
            comment = "too formal",
            user = "reviewer-1",
        }));
        Assert.Equal(HttpStatusCode.OK, feedback.StatusCode);
        Assert.True((await feedback.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("recorded").GetBoolean());

        IInteractionStore store = app.Services.GetRequiredService<IInteractionStore>();
        InteractionRecord record = (await store.GetAsync(id))!;
        Assert.Equal("tiny", record.ModelId);
        InteractionFeedback stored = Assert.Single(await store.GetFeedbackAsync(id));
        Assert.Equal((1, "Hi!", "too formal", "reviewer-1"), (stored.Rating!.Value, stored.CorrectedAnswer, stored.Comment, stored.UserId));
        Assert.Equal(["wrong"], stored.Labels);
        Assert.Equal(["a.md#0"], stored.RelevantChunkIds);
    }

    [Fact]
    public async Task A_streamed_completion_carries_the_id_in_its_header_before_the_answer()
    {
        await using WebApplication app = await StartAsync(withLog: true);
        using var request = new HttpRequestMessage(HttpMethod.Post, Address(app) + "/v1/chat/completions")
        {
            Content = Json(new { model = "tiny", stream = true, messages = new[] { new { role = "user", content = "Hello?" } } }),
        };

        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        string id = Assert.Single(response.Headers.GetValues("X-Interaction-Id"));
        string events = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("data: [DONE]\n\n", events, StringComparison.Ordinal);

        InteractionLog log = app.Services.GetRequiredService<InteractionLog>();
        await log.FlushAsync();
        InteractionRecord record = (await log.Store.GetAsync(id))!;
        Assert.NotNull(record.TimeToFirstToken);
    }

    [Theory]
    [InlineData("{\"interaction_id\": \"nope\", \"rating\": 5}", 404, "interaction_not_found")]
    [InlineData("{\"rating\": 5}", 400, "interaction_id")]
    [InlineData("{\"interaction_id\": \"x\", \"rating\": 9}", 400, "rating")]
    [InlineData("{\"interaction_id\": \"x\", \"stars\": 5}", 400, "stars")]
    [InlineData("{\"interaction_id\": \"x\", \"labels\": [\"ok\", 3]}", 400, "labels")]
    [InlineData("[1, 2]", 400, null)]
    public async Task Bad_feedback_gets_an_OpenAI_shaped_error(string body, int status, string? named)
    {
        await using WebApplication app = await StartAsync(withLog: true);

        using HttpResponseMessage response = await _http.PostAsync(Address(app) + "/v1/feedback", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(status, (int)response.StatusCode);
        JsonElement error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        if (named is not null)
        {
            Assert.Contains(named, error.GetRawText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_an_interaction_log_no_id_is_returned_and_feedback_is_refused()
    {
        await using WebApplication app = await StartAsync(withLog: false);
        string v1 = Address(app) + "/v1/";

        using HttpResponseMessage completion = await _http.PostAsync(v1 + "chat/completions", Json(new { model = "tiny", messages = new[] { new { role = "user", content = "Hello?" } } }));
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        Assert.False(completion.Headers.Contains("X-Interaction-Id"));

        using HttpResponseMessage feedback = await _http.PostAsync(v1 + "feedback", Json(new { interaction_id = "x", rating = 5 }));
        Assert.Equal(HttpStatusCode.NotFound, feedback.StatusCode);
        Assert.Equal("feedback_not_enabled", (await feedback.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_package_README_example_records_a_served_answer_and_its_feedback()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        builder.Configuration["LlmStack:DataDirectory"] = _folder.Path;
        var chatModel = new PiecesChatClient("tiny", "Hi.");

        // README: src/Llm.Stack.Monitoring/README.md
        builder.Services.AddLlmStack(builder.Configuration, stack => stack.AddInteractionLog());
        builder.Services.AddChatClient(chatModel).UseInteractionLog();
        WebApplication app = builder.Build();
        app.MapOpenAIEndpoints();
        // README: end

        await using (app)
        {
            await app.StartAsync();
            using HttpResponseMessage completion = await _http.PostAsync(Address(app) + "/v1/chat/completions", Json(new { model = "tiny", messages = new[] { new { role = "user", content = "Hello?" } } }));
            string interactionId = Assert.Single(completion.Headers.GetValues("X-Interaction-Id"));

            // README: src/Llm.Stack.Monitoring/README.md
            InteractionLog log = app.Services.GetRequiredService<InteractionLog>();
            bool recorded = await log.RecordFeedbackAsync(interactionId, new InteractionFeedback { Rating = 5, Labels = ["correct"] });
            // README: end

            Assert.True(recorded);
            Assert.Equal(["correct"], Assert.Single(await log.Store.GetFeedbackAsync(interactionId)).Labels);
            await app.StopAsync();
        }

        Assert.True(File.Exists(Path.Combine(_folder.Path, "interactions.db")));
    }

    private async Task<WebApplication> StartAsync(bool withLog)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["LlmStack:DataDirectory"] = _folder.Path }).Build();
        ChatClientBuilder chat = builder.Services.AddChatClient(new PiecesChatClient("tiny", "Hello", ", friend."));
        if (withLog)
        {
            builder.Services.AddLlmStack(configuration, stack => stack.AddInteractionLog());
            chat.UseInteractionLog();
        }

        WebApplication app = builder.Build();
        app.MapOpenAIEndpoints();
        await app.StartAsync();
        return app;
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
