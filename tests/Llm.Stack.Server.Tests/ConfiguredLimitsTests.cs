using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Llm.Stack.Server.Tests;

/// <summary>
/// The limits of <c>MapOpenAIEndpoints()</c> come from <c>LlmStack:Server</c> when the app called
/// <c>AddLlmStack(configuration)</c> and gave no options in code; options given in code are used as given.
/// </summary>
public sealed class ConfiguredLimitsTests
{
    private static readonly object Hello = new { model = "model-a", messages = new[] { new { role = "user", content = "Hi" } } };

    private static Action<IServiceCollection> Configured(params (string Key, string Value)[] pairs) => services =>
        services.AddLlmStack(new ConfigurationBuilder()
            .AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)))
            .Build());

    [Fact]
    public async Task Body_size_API_key_and_CORS_come_from_configuration()
    {
        await using TestServer server = await TestServer.StartAsync(
            new ScriptedChatClient("model-a", "Hello."),
            services: Configured(
                ("LlmStack:Server:MaxRequestBodySize", "2048"),
                ("LlmStack:Server:ApiKey", "configured-key"),
                ("LlmStack:Server:AllowedOrigins:0", "https://app.example")));
        using var http = new HttpClient { BaseAddress = server.V1 };

        using HttpResponseMessage noKey = await http.PostAsJsonAsync("chat/completions", Hello);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "configured-key");
        using HttpResponseMessage ok = await http.PostAsJsonAsync("chat/completions", Hello);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        string big = $$"""{"model": "model-a", "messages": [{"role": "user", "content": "{{new string('a', 3000)}}"}]}""";
        using HttpResponseMessage tooLarge = await http.PostAsync(new Uri("chat/completions", UriKind.Relative), new StringContent(big, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "chat/completions")
        {
            Headers = { { "Origin", "https://app.example" }, { "Access-Control-Request-Method", "POST" } },
        };
        using HttpResponseMessage allowed = await http.SendAsync(preflight);
        Assert.Equal("https://app.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Concurrency_and_timeout_come_from_configuration()
    {
        var slow = new ScriptedChatClient("model-a", "a", "b") { DelayPerPiece = TimeSpan.FromSeconds(30) };
        await using TestServer server = await TestServer.StartAsync(
            slow,
            services: Configured(("LlmStack:Server:MaxConcurrentRequests", "1"), ("LlmStack:Server:RequestTimeout", "00:00:01")));
        using var http = new HttpClient { BaseAddress = server.V1, Timeout = TimeSpan.FromSeconds(20) };

        Task<HttpResponseMessage> first = http.PostAsJsonAsync("chat/completions", Hello);
        while (slow.Calls.Count == 0)
        {
            await Task.Delay(10);
        }

        using HttpResponseMessage second = await http.PostAsJsonAsync("chat/completions", Hello);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);

        using HttpResponseMessage timedOut = await first;
        Assert.Equal(HttpStatusCode.GatewayTimeout, timedOut.StatusCode);
    }

    [Fact]
    public async Task Options_given_in_code_are_used_as_given()
    {
        await using TestServer server = await TestServer.StartAsync(
            new ScriptedChatClient("model-a", "Hello."),
            settings: new ServerSettings { MaxRequestBodySize = 1 << 20 },
            services: Configured(("LlmStack:Server:ApiKey", "configured-key"), ("LlmStack:Server:MaxRequestBodySize", "64")));
        using var http = new HttpClient { BaseAddress = server.V1 };

        using HttpResponseMessage response = await http.PostAsJsonAsync("chat/completions", Hello);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
