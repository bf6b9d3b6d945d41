using System.ClientModel;
using System.Text;
using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Llm.Stack.OpenAI.Tests;

/// <summary>
/// Personal data redacted on the way to a real model endpoint and restored on the way back: the official OpenAI client
/// against a real HTTP server that speaks the protocol and answers <c>You asked: {the last user message}</c>, so that
/// the placeholders the model saw come back in its answer, whole and streamed (one server-sent event per word).
/// </summary>
public sealed class RedactAndRestoreRoundTripTests : IDisposable
{
    private const string Question = "Please move my account from ann@example.com to ann.new@example.org, charge card 4111 1111 1111 1111 and refund IBAN DE89 3704 0044 0532 0130 00 [1].";

    private readonly OpenAIProtocolServer _server = new();

    [Fact]
    public async Task The_endpoint_receives_placeholders_and_the_caller_gets_its_own_values_back()
    {
        using IChatClient client = new ChatClientBuilder(Model()).UseGuardrails().Build();

        ChatResponse response = await client.GetResponseAsync(Question);

        Assert.Equal("You asked: " + Question, response.Text);
        string sent = SentUserText(Assert.Single(_server.Requests).Body);
        Assert.Equal("Please move my account from [EMAIL_1] to [EMAIL_2], charge card [CARD_1] and refund IBAN [IBAN_1] [1].", sent);
    }

    [Fact]
    public async Task A_streamed_answer_is_restored_piece_by_piece_with_nothing_lost_or_leaked()
    {
        using IChatClient client = new ChatClientBuilder(Model()).UseGuardrails().Build();

        // Several sentences after the personal data, so that the answer is let out in stretches (the content policy holds a
        // sentence until it ends; the personal-data check lets out at least 32 characters at a time).
        const string question = Question + " Then send me a confirmation. I need it for my records. Thank you for your help with this today.";
        var text = new StringBuilder();
        int updates = 0;
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(question))
        {
            text.Append(update.Text);
            updates += update.Text.Length > 0 ? 1 : 0;
            Assert.DoesNotContain("[EMAIL_", update.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("[CARD_", update.Text, StringComparison.Ordinal);
        }

        Assert.Equal("You asked: " + question, text.ToString());
        Assert.True(updates > 1, "the answer arrived in one piece: the server did not stream");
        string sent = SentUserText(Assert.Single(_server.Requests).Body);
        Assert.DoesNotContain("ann@example.com", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("4111", sent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_callers_each_get_their_own_values_for_the_same_placeholder()
    {
        using IChatClient client = new ChatClientBuilder(Model()).UseGuardrails().Build();
        string[] questions = [.. Enumerable.Range(0, 16).Select(i => $"Write to user{i}@example.com about order 55{i:D2}.")];

        ChatResponse[] responses = await Task.WhenAll(questions.Select(q => client.GetResponseAsync(q)));

        for (int i = 0; i < questions.Length; i++)
        {
            Assert.Equal("You asked: " + questions[i], responses[i].Text);
        }

        Assert.All(_server.Requests, r => Assert.Matches(@"^Write to \[EMAIL_1\] about order 55\d\d\.$", SentUserText(r.Body)));
    }

    public void Dispose() => _server.Dispose();

    private IChatClient Model() => new OpenAIClient(new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = _server.Endpoint })
        .GetChatClient("gpt-test").AsIChatClient();

    private static string SentUserText(System.Text.Json.Nodes.JsonNode body)
        => body["messages"]!.AsArray().Last()!["content"] switch
        {
            System.Text.Json.Nodes.JsonValue text => text.GetValue<string>(),
            System.Text.Json.Nodes.JsonArray parts => string.Concat(parts.Select(p => p!["text"]?.GetValue<string>())),
            _ => string.Empty,
        };
}
