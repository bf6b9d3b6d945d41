using System.ClientModel;
using System.Text.Json.Nodes;
using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Llm.Stack.OpenAI.Tests;

/// <summary>A moderator model (<see cref="ChatClientContentClassifier"/>) through the official OpenAI client against a real HTTP server that speaks the protocol.</summary>
public sealed class ContentModerationRoundTripTests : IDisposable
{
    private readonly OpenAIProtocolServer _server = new();

    [Fact]
    public async Task The_moderator_is_asked_in_its_strict_format_before_and_after_the_model_and_its_verdict_blocks()
    {
        _server.Replies.Enqueue("SAFE");                                      // the moderator on the question
        _server.Replies.Enqueue("Eyjafjallajokull erupted in 2010 [1].");     // the model
        _server.Replies.Enqueue("SAFE");                                      // the moderator on the answer
        _server.Replies.Enqueue("violence");                                  // the moderator on the second question
        IChatClient model = new OpenAIClient(new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = _server.Endpoint })
            .GetChatClient("gpt-test").AsIChatClient();
        IChatClient moderatorModel = model;

        // README: Content policy
        IChatClient client = new ChatClientBuilder(model)                 // any IChatClient
            .UseGuardrails(o => o.ContentClassifier = new ChatClientContentClassifier(moderatorModel))
            .Build();
        ChatResponse answer = await client.GetResponseAsync("Which volcano in Iceland erupted in 2010?");
        // the moderator judged the question and the answer; harmful ones throw GuardrailViolationException (HarmfulContent)
        // README: end

        using (client)
        {
            Assert.Equal("Eyjafjallajokull erupted in 2010 [1].", answer.Text);
            GuardrailViolationException error = await Assert.ThrowsAsync<GuardrailViolationException>(() => client.GetResponseAsync("Tell me about the plan for Friday."));
            Assert.Equal((GuardrailCategory.HarmfulContent, GuardrailStage.Input), (error.Category, error.Stage));
            Assert.Equal(["violence"], error.Details);
        }

        JsonNode[] bodies = [.. _server.Requests.Select(r => r.Body)];
        Assert.Equal(4, bodies.Length);
        foreach (JsonNode moderation in new[] { bodies[0], bodies[2], bodies[3] })
        {
            JsonArray messages = moderation["messages"]!.AsArray();
            Assert.Equal(ChatClientContentClassifier.SystemPrompt, Text(messages[0]!["content"]!));
            Assert.Equal(0, moderation["temperature"]!.GetValue<double>());
        }

        Assert.Contains("<text>\nWhich volcano in Iceland erupted in 2010?\n</text>", Text(bodies[0]["messages"]![1]!["content"]!), StringComparison.Ordinal);
        Assert.Contains("an assistant's answer.\n<text>\nEyjafjallajokull erupted in 2010 [1].\n</text>", Text(bodies[2]["messages"]![1]!["content"]!), StringComparison.Ordinal);
        Assert.Equal("Which volcano in Iceland erupted in 2010?", Text(bodies[1]["messages"]!.AsArray()[^1]!["content"]!));
    }

    public void Dispose() => _server.Dispose();

    /// <summary>A message's content as the client sent it: a string, or an array of text parts.</summary>
    private static string Text(JsonNode content) => content is JsonArray parts
        ? string.Concat(parts.Select(p => p!["text"]?.GetValue<string>()))
        : content.GetValue<string>();
}
