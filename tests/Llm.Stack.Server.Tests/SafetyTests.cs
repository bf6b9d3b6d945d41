using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Llm.Stack.Server.Tests;

/// <summary>The endpoints are safe to expose: access, limits, CORS, no internals, every request logged.</summary>
public sealed class SafetyTests
{
    private static readonly object Hello = new { model = "model-a", messages = new[] { new { role = "user", content = "Hi" } } };

    [Fact]
    public async Task Without_an_API_key_only_loopback_requests_are_answered()
    {
        IPAddress external = Dns.GetHostAddresses(Dns.GetHostName()).Concat(NetworkAddresses())
            .First(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        await using TestServer server = await TestServer.StartAsync(new ScriptedChatClient("model-a", "x"), listen: IPAddress.Any);
        int port = new Uri(server.Address).Port;
        using var http = new HttpClient();

        using HttpResponseMessage local = await http.PostAsJsonAsync(new Uri($"http://127.0.0.1:{port}/v1/chat/completions"), Hello);
        Assert.Equal(HttpStatusCode.OK, local.StatusCode);

        using HttpResponseMessage remote = await http.PostAsJsonAsync(new Uri($"http://{external}:{port}/v1/chat/completions"), Hello);
        Assert.Equal(HttpStatusCode.Forbidden, remote.StatusCode);
        Assert.Equal("api_key_required", (await ProtocolTests.ErrorOf(remote)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task With_an_API_key_every_request_must_carry_it()
    {
        await using TestServer server = await TestServer.StartAsync(new ScriptedChatClient("model-a", "Hello."), settings: new ServerSettings { ApiKey = "s3cret-key" });
        using var http = new HttpClient { BaseAddress = server.V1 };

        using HttpResponseMessage none = await http.PostAsJsonAsync("chat/completions", Hello);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("invalid_api_key", (await ProtocolTests.ErrorOf(none)).GetProperty("code").GetString());

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "models") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-kez") } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);

        IChatClient official = new OpenAIClient(new ApiKeyCredential("s3cret-key"), new OpenAIClientOptions { Endpoint = server.V1 }).GetChatClient("model-a").AsIChatClient();
        Assert.Equal("Hello.", (await official.GetResponseAsync("Hi")).Text);

        IChatClient badKey = new OpenAIClient(new ApiKeyCredential("other"), new OpenAIClientOptions { Endpoint = server.V1 }).GetChatClient("model-a").AsIChatClient();
        Assert.Equal(401, (await Assert.ThrowsAsync<ClientResultException>(() => badKey.GetResponseAsync("Hi"))).Status);
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413_with_or_without_a_length()
    {
        await using TestServer server = await TestServer.StartAsync(new ScriptedChatClient("model-a", "x"), settings: new ServerSettings { MaxRequestBodySize = 4096 });
        using var http = new HttpClient { BaseAddress = server.V1 };
        string big = $$"""{"model": "model-a", "messages": [{"role": "user", "content": "{{new string('a', 10_000)}}"}]}""";

        using HttpResponseMessage sized = await http.PostAsync(new Uri("chat/completions", UriKind.Relative), new StringContent(big, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, sized.StatusCode);
        Assert.Equal("request_too_large", (await ProtocolTests.ErrorOf(sized)).GetProperty("code").GetString());

        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using HttpResponseMessage unsized = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, unsized.StatusCode);

        using HttpResponseMessage small = await http.PostAsJsonAsync("chat/completions", Hello);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Fact]
    public async Task Past_the_concurrency_bound_requests_get_429_with_Retry_After()
    {
        var slow = new ScriptedChatClient("model-a", "a", "b") { DelayPerPiece = TimeSpan.FromSeconds(1) };
        await using TestServer server = await TestServer.StartAsync(slow, settings: new ServerSettings { MaxConcurrentRequests = 1 });
        using var http = new HttpClient { BaseAddress = server.V1 };

        Task<HttpResponseMessage> first = http.PostAsJsonAsync("chat/completions", Hello);
        while (slow.Calls.Count == 0)
        {
            await Task.Delay(10);
        }

        using HttpResponseMessage second = await http.PostAsJsonAsync("chat/completions", Hello);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), second.Headers.RetryAfter?.Delta);
        Assert.Equal("rate_limit_exceeded", (await ProtocolTests.ErrorOf(second)).GetProperty("code").GetString());

        using HttpResponseMessage firstResponse = await first;
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        using HttpResponseMessage third = await http.PostAsJsonAsync("chat/completions", Hello);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Fact]
    public async Task A_request_past_the_time_limit_is_cancelled_with_504()
    {
        var slow = new ScriptedChatClient("model-a", "a", "b") { DelayPerPiece = TimeSpan.FromSeconds(30) };
        await using TestServer server = await TestServer.StartAsync(slow, settings: new ServerSettings { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        using var http = new HttpClient { BaseAddress = server.V1, Timeout = TimeSpan.FromSeconds(20) };

        using HttpResponseMessage response = await http.PostAsJsonAsync("chat/completions", Hello);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("timeout", (await ProtocolTests.ErrorOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task CORS_is_off_unless_origins_are_configured()
    {
        await using (TestServer closed = await TestServer.StartAsync(new ScriptedChatClient("model-a", "x")))
        {
            using HttpResponseMessage preflight = await PreflightAsync(closed, "https://app.example");
            Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
            using var http = new HttpClient { BaseAddress = closed.V1 };
            using var request = new HttpRequestMessage(HttpMethod.Get, "models") { Headers = { { "Origin", "https://app.example" } } };
            Assert.False((await http.SendAsync(request)).Headers.Contains("Access-Control-Allow-Origin"));
        }

        var options = new ServerSettings();
        options.AllowedOrigins.Add("https://app.example");
        await using TestServer open = await TestServer.StartAsync(new ScriptedChatClient("model-a", "x"), settings: options);
        using HttpResponseMessage allowed = await PreflightAsync(open, "https://app.example");
        Assert.Equal("https://app.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        using HttpResponseMessage other = await PreflightAsync(open, "https://evil.example");
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Every_request_is_logged_with_its_status_and_duration()
    {
        await using TestServer server = await TestServer.StartAsync(new ScriptedChatClient("model-a", "x"));
        using var http = new HttpClient { BaseAddress = server.V1 };

        (await http.PostAsJsonAsync("chat/completions", Hello)).Dispose();
        (await http.PostAsJsonAsync("chat/completions", new { model = "nope", messages = new[] { new { role = "user", content = "Hi" } } })).Dispose();
        (await http.GetAsync(new Uri("models", UriKind.Relative))).Dispose();

        string[] lines = server.Logs.Lines.Where(l => l.Category == Microsoft.AspNetCore.Builder.OpenAIEndpointRouteBuilderExtensions.LogCategory).Select(l => l.Message).ToArray();
        Assert.Contains(lines, l => l.StartsWith("POST /v1/chat/completions answered 200 in ", StringComparison.Ordinal) && l.EndsWith(" ms.", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("POST /v1/chat/completions answered 404 in ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("GET /v1/models answered 200 in ", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_refuse_values_that_would_disable_a_limit()
    {
        var options = new ServerSettings();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxRequestBodySize = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxConcurrentRequests = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.RequestTimeout = TimeSpan.Zero);
    }

    private static async Task<HttpResponseMessage> PreflightAsync(TestServer server, string origin)
    {
        using var http = new HttpClient { BaseAddress = server.V1 };
        using var request = new HttpRequestMessage(HttpMethod.Options, "chat/completions");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        return await http.SendAsync(request);
    }

    private static IEnumerable<IPAddress> NetworkAddresses() =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(a => a.Address);
}
