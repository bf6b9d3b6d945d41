using System.ClientModel;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Llm.Stack.Cli.Tests;

/// <summary><c>llmstack serve</c> answers OpenAI-format requests: checked with raw HTTP and with the official OpenAI client.</summary>
public class ServeTests
{
    [Fact]
    public async Task Serve_with_rag_answers_OpenAI_format_requests_streaming_and_not()
    {
        using var cli = new CliRunner();
        cli.Write("docs/volcanoes.md", "# Volcanoes\n\nMount Vesuvius erupted in the year 79 and buried the Roman town of Pompeii under ash.\n");
        cli.Write("docs/bread.md", "# Bread\n\nYeast ferments the sugars in flour and makes the dough rise.\n");
        Assert.Equal(0, (await cli.RunAsync("ingest", "docs")).ExitCode);

        using var stop = new CancellationTokenSource();
        var output = new LockedWriter();
        var error = new LockedWriter();
        Task<int> server = new CliApp(output, error, cli.WorkingDirectory).RunAsync(["serve", "--rag", "--port", "0"], stop.Token);
        try
        {
            string address = await WaitForAddressAsync(output, error, server);

            // The official OpenAI client, through Microsoft.Extensions.AI.
            IChatClient client = new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(address) })
                .GetChatClient("llmstack-rag").AsIChatClient();
            ChatResponse response = await client.GetResponseAsync("Which town did Vesuvius bury?");
            Assert.Contains("Pompeii", response.Text, StringComparison.Ordinal);
            Assert.Contains("Sources:", response.Text, StringComparison.Ordinal);
            Assert.Contains("volcanoes.md", response.Text, StringComparison.Ordinal);

            var streamed = new StringBuilder();
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync("What makes dough rise?"))
            {
                streamed.Append(update.Text);
            }

            Assert.Contains("Yeast", streamed.ToString(), StringComparison.Ordinal);

            // Raw HTTP: the wire format and a clear 400 for a bad request.
            using var http = new HttpClient { BaseAddress = new Uri(address + "/") };
            using HttpResponseMessage models = await http.GetAsync(new Uri("models", UriKind.Relative));
            using JsonDocument modelList = JsonDocument.Parse(await models.Content.ReadAsStringAsync());
            Assert.Equal("llmstack-rag", modelList.RootElement.GetProperty("data")[0].GetProperty("id").GetString());

            using HttpResponseMessage completion = await http.PostAsJsonAsync("chat/completions", new { model = "llmstack-rag", messages = new[] { new { role = "user", content = "Vesuvius?" } } });
            using JsonDocument body = JsonDocument.Parse(await completion.Content.ReadAsStringAsync());
            Assert.Equal("chat.completion", body.RootElement.GetProperty("object").GetString());
            Assert.Equal("assistant", body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("role").GetString());
            Assert.Equal("stop", body.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());

            using HttpResponseMessage bad = await http.PostAsync(new Uri("chat/completions", UriKind.Relative), new StringContent("{\"model\": \"llmstack-rag\", \"messages\": []}", Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("messages", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // Every request is logged with its status and duration, on the error output.
            Assert.Contains("info: POST /v1/chat/completions answered 200 in ", error.Text, StringComparison.Ordinal);
            Assert.Contains("POST /v1/chat/completions answered 400 in ", error.Text, StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await server);
        }
    }

    [Fact]
    public async Task Serve_takes_its_port_and_limits_from_LlmStack_Server_in_the_configuration_file()
    {
        using var cli = new CliRunner();
        cli.Write("docs/volcanoes.md", "# Volcanoes\n\nMount Vesuvius erupted in the year 79 and buried the Roman town of Pompeii under ash.\n");
        Assert.Equal(0, (await cli.RunAsync("ingest", "docs")).ExitCode);
        cli.Write("llmstack.json", """{ "LlmStack": { "Server": { "Port": 0, "MaxRequestBodySize": 2048, "AllowedOrigins": ["https://app.example"] } } }""");

        using var stop = new CancellationTokenSource();
        var output = new LockedWriter();
        var error = new LockedWriter();
        Task<int> server = new CliApp(output, error, cli.WorkingDirectory).RunAsync(["serve", "--rag"], stop.Token);
        try
        {
            string address = await WaitForAddressAsync(output, error, server);
            Assert.DoesNotContain(":8080/", address + "/", StringComparison.Ordinal);
            using var http = new HttpClient { BaseAddress = new Uri(address + "/") };

            using HttpResponseMessage small = await http.PostAsJsonAsync("chat/completions", new { model = "llmstack-rag", messages = new[] { new { role = "user", content = "Vesuvius?" } } });
            Assert.Equal(System.Net.HttpStatusCode.OK, small.StatusCode);

            string big = $$"""{"model": "llmstack-rag", "messages": [{"role": "user", "content": "{{new string('a', 3000)}}"}]}""";
            using HttpResponseMessage tooLarge = await http.PostAsync(new Uri("chat/completions", UriKind.Relative), new StringContent(big, Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);

            using var preflight = new HttpRequestMessage(HttpMethod.Options, "chat/completions") { Headers = { { "Origin", "https://app.example" }, { "Access-Control-Request-Method", "POST" } } };
            using HttpResponseMessage allowed = await http.SendAsync(preflight);
            Assert.Equal("https://app.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await server);
        }
    }

    [Fact]
    public async Task Serve_refuses_a_public_address_from_the_configuration_file_without_an_API_key()
    {
        using var cli = new CliRunner();
        cli.Write("llmstack.json", """{ "LlmStack": { "Server": { "Host": "0.0.0.0", "Port": 0 } } }""");

        CliResult result = await cli.RunAsync("serve", "--rag");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("LLMSTACK_SERVER_API_KEY", result.Error, StringComparison.Ordinal);
        Assert.Contains("LlmStack:Server:ApiKey", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Serve_without_a_chat_model_or_rag_says_what_to_configure()
    {
        using var cli = new CliRunner();
        CliResult result = await cli.RunAsync("serve", "--port", "0");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("No chat model is configured", result.Error, StringComparison.Ordinal);
    }

    /// <summary>Waits until serve prints its address, and returns it (<c>http://127.0.0.1:port/v1</c>).</summary>
    internal static async Task<string> WaitForAddressAsync(LockedWriter output, LockedWriter error, Task<int> server)
    {
        for (int i = 0; i < 600; i++)
        {
            string text = output.Text;
            int at = text.IndexOf(" at http://", StringComparison.Ordinal);
            if (at >= 0)
            {
                int end = text.IndexOf("/v1", at, StringComparison.Ordinal);
                return text[(at + 4)..(end + 3)];
            }

            if (server.IsCompleted)
            {
                Assert.Fail($"The server stopped: exit {await server}\n{output.Text}\n{error.Text}");
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The server did not start within a minute.\n" + output.Text + error.Text);
    }

    /// <summary>A writer that serve's threads and the test share.</summary>
    internal sealed class LockedWriter : TextWriter
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public override void Write(char value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }
    }
}
