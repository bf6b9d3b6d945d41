using System.Collections.Concurrent;
using System.Net;
using Llm.Stack.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Llm.Stack.Server.Tests;

/// <summary>A real Kestrel server on 127.0.0.1 (a free port) with the endpoints mapped over the given services.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, string address, LogSink logs)
    {
        _app = app;
        Address = address;
        Logs = logs;
    }

    /// <summary>Gets the base address, such as <c>http://127.0.0.1:12345</c>.</summary>
    public string Address { get; }

    /// <summary>Gets the base address of the OpenAI endpoints, <c>…/v1</c>.</summary>
    public Uri V1 => new(Address + "/v1/");

    public LogSink Logs { get; }

    public static async Task<TestServer> StartAsync(
        IChatClient? chat = null,
        IEmbeddingGenerator<string, Embedding<float>>? embedder = null,
        ServerSettings? settings = null,
        IPAddress? listen = null,
        Action<IServiceCollection>? services = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        var logs = new LogSink();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(listen ?? IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        if (chat is not null)
        {
            builder.Services.AddChatClient(chat);
        }

        if (embedder is not null)
        {
            builder.Services.AddEmbeddingGenerator(embedder);
        }

        services?.Invoke(builder.Services);
        WebApplication app = builder.Build();
        app.MapOpenAIEndpoints(settings: settings);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, address, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Collects the formatted log lines of every category.</summary>
public sealed class LogSink : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Lines.Enqueue((category, logLevel, formatter(state, exception) + (exception is null ? string.Empty : "\n" + exception)));
    }
}
