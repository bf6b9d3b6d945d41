using System.ClientModel;
using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Llm.Stack.OpenAI.Tests;

/// <summary>Output validation through the official OpenAI client against a real HTTP server that speaks the protocol.</summary>
public sealed class OutputValidationRoundTripTests : IDisposable
{
    private readonly OpenAIProtocolServer _server = new();

    [Fact]
    public async Task Structured_output_that_misses_its_schema_is_repaired_in_a_second_request_with_the_same_format()
    {
        _server.Replies.Enqueue("""{"city": "Reykjavik"}""");
        _server.Replies.Enqueue("""{"city": "Reykjavik", "population": 139875}""");
        IChatClient model = new OpenAIClient(new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = _server.Endpoint })
            .GetChatClient("gpt-test").AsIChatClient();

        // README: Output validation and refusals
        IChatClient client = new ChatClientBuilder(model)                 // any IChatClient
            .UseOutputValidation()
            .Build();
        ChatResponse<Capital> capital = await client.GetResponseAsync<Capital>("What is the capital of Iceland, and its population?");
        // an answer that misses Capital's schema is sent back once with the problems found
        // README: end

        using (client)
        {
            Assert.Equal(new Capital("Reykjavik", 139875), capital.Result);
            Assert.Equal(16, capital.Usage?.TotalTokenCount);
        }

        (string Path, string? Authorization, System.Text.Json.Nodes.JsonNode Body)[] requests = [.. _server.Requests];
        Assert.Equal(2, requests.Length);
        Assert.All(requests, r => Assert.Equal("json_schema", r.Body["response_format"]?["type"]?.GetValue<string>()));
        System.Text.Json.Nodes.JsonArray retry = requests[1].Body["messages"]!.AsArray();
        Assert.Equal("assistant", retry[^2]!["role"]!.GetValue<string>());
        Assert.Contains("(root): ", retry[^1]!["content"]!.ToJsonString(), StringComparison.Ordinal);
    }

    public void Dispose() => _server.Dispose();

    private sealed record Capital(string City, int Population);
}
