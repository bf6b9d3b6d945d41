using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Tests.Guardrails;

public sealed class OutputValidationChatClientTests
{
    private static readonly JsonElement InvoiceSchema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "number": { "type": "string" },
            "total": { "type": "number", "minimum": 0 },
            "lines": { "type": "array", "items": { "type": "string" }, "minItems": 1 }
          },
          "required": ["number", "total", "lines"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    private static ChatOptions Structured() => new() { ResponseFormat = ChatResponseFormat.ForJsonSchema(InvoiceSchema, "invoice") };

    [Fact]
    public async Task A_valid_answer_passes_unchanged_in_one_call()
    {
        var model = new ScriptedModel("""{"number": "INV-7", "total": 12.5, "lines": ["tea"]}""");
        using var client = new OutputValidationChatClient(model);

        ChatResponse response = await client.GetResponseAsync("Read the invoice.", Structured());

        Assert.Equal("""{"number": "INV-7", "total": 12.5, "lines": ["tea"]}""", response.Text);
        Assert.Single(model.Received);
    }

    [Fact]
    public async Task An_answer_against_the_schema_is_repaired_once_with_the_problems_named_and_the_usage_of_both_calls()
    {
        var model = new ScriptedModel(
            """{"number": 7, "total": -3, "lines": [], "note": "x"}""",
            """{"number": "INV-7", "total": 3, "lines": ["tea"]}""");
        using var client = new OutputValidationChatClient(model);
        using var decisions = new GuardrailDecisionCounter();

        ChatResponse response = await client.GetResponseAsync("Read the invoice.", Structured());

        Assert.Equal("""{"number": "INV-7", "total": 3, "lines": ["tea"]}""", response.Text);
        Assert.Equal(2, model.Received.Count);
        List<ChatMessage> retry = model.Received.Last();
        Assert.Equal(["Read the invoice.", """{"number": 7, "total": -3, "lines": [], "note": "x"}"""], retry.Take(2).Select(m => m.Text));
        Assert.Equal(ChatRole.Assistant, retry[1].Role);
        string instruction = retry[2].Text;
        foreach (string where in (string[])["/number", "/total", "/lines", "/note"])
        {
            Assert.Contains(where + ": ", instruction, StringComparison.Ordinal);
        }

        Assert.Equal(20, response.Usage?.InputTokenCount);
        Assert.Equal(10, response.Usage?.OutputTokenCount);
        Assert.Equal(1, decisions.Count("output", "repair", "invalid_output"));
    }

    [Fact]
    public async Task GetResponseAsync_of_a_type_gets_the_repaired_object()
    {
        var model = new ScriptedModel("""{"number": "INV-9"}""", """{"number": "INV-9", "total": 4.5}""");
        IChatClient client = new ChatClientBuilder(model).UseOutputValidation().Build();

        ChatResponse<Invoice> response = await client.GetResponseAsync<Invoice>("Read the invoice.");

        Assert.Equal(new Invoice("INV-9", 4.5), response.Result);
        Assert.Equal(2, model.Received.Count);
    }

    [Fact]
    public async Task An_answer_still_invalid_after_the_repair_throws_naming_where_it_failed_but_not_its_text()
    {
        var model = new ScriptedModel("""{"number": "secret-42", "total": -1, "lines": ["a"]}""", "not json at all, secret-42");
        using var client = new OutputValidationChatClient(model);
        using var decisions = new GuardrailDecisionCounter();

        GuardrailViolationException e = await Assert.ThrowsAsync<GuardrailViolationException>(() => client.GetResponseAsync("Read the invoice.", Structured()));

        Assert.Equal(GuardrailCategory.InvalidOutput, e.Category);
        Assert.Equal(GuardrailStage.Output, e.Stage);
        Assert.Equal(["(root): not valid JSON at line 1, position 2"], e.Details);
        Assert.DoesNotContain("secret-42", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, decisions.Count("output", "block", "invalid_output"));
    }

    [Fact]
    public async Task Without_repair_an_invalid_answer_throws_at_once_with_its_schema_problems()
    {
        var model = new ScriptedModel("""{"number": "INV-1", "total": -1, "lines": ["a"]}""");
        using var client = new OutputValidationChatClient(model, new OutputValidationOptions { Repair = false });

        GuardrailViolationException e = await Assert.ThrowsAsync<GuardrailViolationException>(() => client.GetResponseAsync("Read the invoice.", Structured()));

        Assert.Equal(["/total: minimum"], e.Details);
        Assert.Contains("/total: minimum", e.Message, StringComparison.Ordinal);
        Assert.Single(model.Received);
    }

    [Fact]
    public async Task An_answer_in_a_code_fence_is_unwrapped_without_a_second_call()
    {
        var model = new ScriptedModel("```json\n{\"number\": \"INV-7\", \"total\": 1, \"lines\": [\"tea\"]}\n```");
        using var client = new OutputValidationChatClient(model);

        ChatResponse response = await client.GetResponseAsync("Read the invoice.", Structured());

        Assert.Equal("{\"number\": \"INV-7\", \"total\": 1, \"lines\": [\"tea\"]}", response.Text);
        Assert.Single(model.Received);
    }

    [Fact]
    public async Task A_refusal_where_JSON_was_asked_for_is_reported_as_a_refusal_and_not_repaired()
    {
        var model = new ScriptedModel("I'm sorry, but I can't help with that.");
        using var client = new OutputValidationChatClient(model);

        GuardrailViolationException e = await Assert.ThrowsAsync<GuardrailViolationException>(() => client.GetResponseAsync("Read the invoice.", Structured()));

        Assert.Equal(GuardrailCategory.Refusal, e.Category);
        Assert.Single(model.Received);
    }

    [Fact]
    public async Task A_plain_text_refusal_is_marked_and_counted_and_an_answer_is_not()
    {
        var model = new ScriptedModel("I can't assist with that request.", "Pompeii was buried in 79 AD.");
        using var client = new OutputValidationChatClient(model);
        using var decisions = new GuardrailDecisionCounter();

        ChatResponse refused = await client.GetResponseAsync("Where is the admin password?");
        ChatResponse answered = await client.GetResponseAsync("Which town did Vesuvius bury?");

        Assert.Equal(true, refused.AdditionalProperties?[OutputValidationChatClient.RefusalPropertyName]);
        Assert.Equal("I can't assist with that request.", refused.Text);
        Assert.Null(answered.AdditionalProperties?.GetValueOrDefault(OutputValidationChatClient.RefusalPropertyName));
        Assert.Equal(1, decisions.Count("output", "flag", "refusal"));
    }

    [Fact]
    public async Task A_streamed_structured_answer_is_held_until_complete_and_repaired()
    {
        var model = new ScriptedModel("""{"number": "INV-7", "total": "3", "lines": ["tea"]}""", """{"number": "INV-7", "total": 3, "lines": ["tea"]}""");
        using var client = new OutputValidationChatClient(model);

        List<ChatResponseUpdate> updates = [];
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync("Read the invoice.", Structured()))
        {
            updates.Add(update);
        }

        Assert.Equal("""{"number": "INV-7", "total": 3, "lines": ["tea"]}""", string.Concat(updates.Select(u => u.Text)));
        Assert.Contains("/total: ", model.Received.Last().Last().Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_streamed_structured_answer_keeps_its_updates_and_plain_text_streams_through()
    {
        var model = new ScriptedModel("""{"number": "INV-7", "total": 3, "lines": ["tea"]}""", "Pompeii was buried in 79 AD.");
        using var client = new OutputValidationChatClient(model);

        List<ChatResponseUpdate> structured = [];
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync("Read the invoice.", Structured()))
        {
            structured.Add(update);
        }

        List<string> plain = [];
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync("Which town?"))
        {
            plain.Add(update.Text);
        }

        Assert.True(structured.Count > 1, "the updates were merged");
        Assert.Equal(ScriptedModel.Pieces("Pompeii was buried in 79 AD."), plain);
    }

    [Fact]
    public async Task With_a_server_held_conversation_only_the_repair_request_is_sent()
    {
        var model = new ScriptedModel("""{"number": 1}""", """{"number": "1", "total": 0, "lines": ["x"]}""");
        using var client = new OutputValidationChatClient(model);
        ChatOptions options = Structured();
        options.ConversationId = "conv-1";

        await client.GetResponseAsync("Read the invoice.", options);

        Assert.Equal(ChatRole.User, Assert.Single(model.Received.Last()).Role);
    }

    [Fact]
    public async Task A_schema_that_is_not_a_JSON_schema_is_refused_naming_the_options()
    {
        var model = new ScriptedModel("{}");
        using var client = new OutputValidationChatClient(model);
        var options = new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse("""{"type": 12}""").RootElement) };

        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync("x", options));

        Assert.Equal("options", e.ParamName);
    }

    private sealed record Invoice(string Number, double Total);

    /// <summary>The model seam: gives the scripted answers in order (10 input and 5 output tokens each), streamed in pieces of 7 characters.</summary>
    private sealed class ScriptedModel(params string[] answers) : IChatClient
    {
        private readonly ConcurrentQueue<string> _answers = new(answers);

        public List<List<ChatMessage>> Received { get; } = [];

        public static List<string> Pieces(string text) => [.. text.Chunk(7).Select(c => new string(c))];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Received.Add([.. messages]);
            string answer = _answers.TryDequeue(out string? next) ? next : throw new InvalidOperationException("No more scripted answers.");
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer))
            {
                Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5, TotalTokenCount = 15 },
            });
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Received.Add([.. messages]);
            string answer = _answers.TryDequeue(out string? next) ? next : throw new InvalidOperationException("No more scripted answers.");
            foreach (string piece in Pieces(answer))
            {
                await Task.Yield();
                yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { MessageId = "m1" };
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
