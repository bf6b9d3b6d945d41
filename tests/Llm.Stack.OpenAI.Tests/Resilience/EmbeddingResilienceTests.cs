using System.ClientModel;
using System.ClientModel.Primitives;
using Llm.Stack.Onnx;
using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenAI;

namespace Llm.Stack.OpenAI.Tests.Resilience;

/// <summary>
/// Resilience and rate limits of embedding generators (<see cref="ResilientEmbeddingGenerator"/>): a named embedding model
/// of configuration (provider <c>openai</c>, the official client) keeps to its configured requests and tokens per minute
/// and retries through the layer alone; <c>UseLlmResilience()</c> on an <see cref="EmbeddingGeneratorBuilder{TInput, TEmbedding}"/>;
/// a local model of configuration (the real MiniLM, as <c>minilm</c> and as an <c>onnx</c> folder) gets the layer only when
/// its section sets one. Against the fault-injecting OpenAI-protocol server on 127.0.0.1, whose usage is one token per input word.
/// </summary>
public sealed class EmbeddingResilienceTests : IAsyncLifetime
{
    private static readonly float[] Three = [5f, 2f, 1f];
    private static readonly float[] Hello = [5f, 2f, 1f];
    private static readonly float[] World = [5f, 1f, 1f];
    private static readonly float[] Vowels = [5f, 5f, 1f];

    private FaultInjectingOpenAIServer _server = null!;

    public async Task InitializeAsync() => _server = await FaultInjectingOpenAIServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ServiceProvider Configured(Dictionary<string, string?> resilience, TimeProvider? time = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["LlmStack:EmbeddingModels:remote:Provider"] = "openai",
            ["LlmStack:EmbeddingModels:remote:Endpoint"] = _server.Endpoint.ToString(),
            ["LlmStack:EmbeddingModels:remote:Model"] = "embed-a",
        };
        foreach ((string key, string? value) in resilience)
        {
            settings["LlmStack:EmbeddingModels:remote:Resilience:" + key] = value;
        }

        var services = new ServiceCollection();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddLlmStack(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).AddOpenAIProvider();
        return services.BuildServiceProvider();
    }

    private static IEmbeddingGenerator<string, Embedding<float>> Remote(ServiceProvider provider) =>
        provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("remote");

    [Fact]
    public async Task A_named_models_requests_per_minute_hold_the_request_beyond_them_until_the_bucket_refills()
    {
        var time = new FakeTimeProvider();
        await using ServiceProvider provider = Configured(new() { ["RequestsPerMinute"] = "2" }, time);
        IEmbeddingGenerator<string, Embedding<float>> embedder = Remote(provider);
        Assert.NotNull(embedder.GetService<ResilientEmbeddingGenerator>());
        await embedder.GenerateAsync(["one"]);
        await embedder.GenerateAsync(["two"]);

        Task<GeneratedEmbeddings<Embedding<float>>> third = embedder.GenerateAsync(["three"]);
        await Task.Delay(300); // time enough for the call to reach the server, were it not held
        Assert.False(third.IsCompleted);
        Assert.Equal(2, _server.Requests.Count);

        time.Advance(TimeSpan.FromSeconds(31)); // one request every 30 s
        Assert.Equal(Three, (await third)[0].Vector.ToArray());
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task A_named_models_tokens_per_minute_charge_the_tokens_the_answer_reports_and_hold_the_next_call()
    {
        var time = new FakeTimeProvider();
        await using ServiceProvider provider = Configured(new() { ["TokensPerMinute"] = "100" }, time);
        IEmbeddingGenerator<string, Embedding<float>> embedder = Remote(provider);

        // Estimated at 30 tokens (119 characters / 4), but the server reports 60 (one per word): the bucket keeps 40.
        GeneratedEmbeddings<Embedding<float>> first = await embedder.GenerateAsync([string.Join(' ', Enumerable.Repeat("w", 60))]);
        Assert.Equal(60, first.Usage?.InputTokenCount);

        // 200 characters are estimated at 50 tokens, more than the 40 left: the call waits.
        Task<GeneratedEmbeddings<Embedding<float>>> second = embedder.GenerateAsync([new string('x', 200)]);
        await Task.Delay(300);
        Assert.False(second.IsCompleted);
        Assert.Single(_server.Requests);

        time.Advance(TimeSpan.FromSeconds(5)); // 100 tokens a minute: 10 more take 6 s
        await Task.Delay(300);
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(200f, (await second)[0].Vector.Span[0]);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task A_named_openai_embedding_model_retries_through_the_resilience_layer_alone()
    {
        await using ServiceProvider provider = Configured(new() { ["MaxRetries"] = "3", ["UseCircuitBreaker"] = "false" });
        IEmbeddingGenerator<string, Embedding<float>> embedder = Remote(provider);

        // Four 429s with Retry-After: 0. The layer tries 1 + 3 times and fails; had the official client kept its own
        // retries, each of the layer's attempts would have been up to 4 requests and the fifth request would answer.
        _server.Enqueue([.. Enumerable.Repeat(new ChatFault(Status: 429, RetryAfter: TimeSpan.Zero), 4)]);
        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => embedder.GenerateAsync(["hello"]));
        Assert.Equal(429, error.Status);
        Assert.Equal(4, _server.Requests.Count);

        // Two server errors, then the answer: retried by the layer, embedded once.
        _server.Enqueue(new ChatFault(Status: 500, RetryAfter: TimeSpan.Zero), new ChatFault(Status: 503, RetryAfter: TimeSpan.Zero));
        GeneratedEmbeddings<Embedding<float>> embeddings = await embedder.GenerateAsync(["hello", "world"]);
        Assert.Equal(new[] { Hello, World }, embeddings.Select(e => e.Vector.ToArray()));
        Assert.Equal(7, _server.Requests.Count);
    }

    [Fact]
    public async Task UseLlmResilience_on_an_embedding_generator_builder_retries_and_limits_an_attempts_time()
    {
        IEmbeddingGenerator<string, Embedding<float>> official = new OpenAIClient(
                new ApiKeyCredential("test-key"),
                new OpenAIClientOptions { Endpoint = _server.Endpoint, RetryPolicy = new ClientRetryPolicy(0) })
            .GetEmbeddingClient("embed-a").AsIEmbeddingGenerator();
        IEmbeddingGenerator<string, Embedding<float>> embedder = new EmbeddingGeneratorBuilder<string, Embedding<float>>(official)
            .UseLlmResilience(o =>
            {
                o.BaseDelay = TimeSpan.FromMilliseconds(10);
                o.AttemptTimeout = TimeSpan.FromMilliseconds(500);
            })
            .Build();

        _server.Enqueue(new ChatFault(Delay: TimeSpan.FromSeconds(10)), new ChatFault(Status: 502));
        GeneratedEmbeddings<Embedding<float>> embeddings = await embedder.GenerateAsync(["aeiou"]);

        Assert.Equal(Vowels, embeddings[0].Vector.ToArray());
        Assert.Equal(3, _server.Requests.Count); // timed out, 502, answered
        Assert.Throws<ArgumentNullException>("builder", () => ((EmbeddingGeneratorBuilder<string, Embedding<float>>)null!).UseLlmResilience());
        await Assert.ThrowsAsync<ArgumentNullException>("values", () => embedder.GenerateAsync(null!));
    }

    [Fact]
    public async Task A_local_embedding_model_of_configuration_gets_the_resilience_layer_only_when_its_section_sets_one()
    {
        string folder = Path.Combine(Path.GetDirectoryName(typeof(MiniLmEmbeddingGenerator).Assembly.Location)!, "minilm");
        string json = $$"""
            {
              "LlmStack": {
                "Embeddings": { "Provider": "minilm" },
                "EmbeddingModels": {
                  "folder": { "Provider": "onnx", "ModelPath": {{System.Text.Json.JsonSerializer.Serialize(folder)}} },
                  "guarded": { "Provider": "minilm", "Resilience": { "AttemptTimeout": "00:00:30" } },
                  "defaults": { "Provider": "minilm", "Resilience": { } },
                  "remote": { "Provider": "openai", "Endpoint": "{{_server.Endpoint}}", "Model": "embed-a" }
                }
              }
            }
            """;
        var services = new ServiceCollection();
        services.AddLlmStack(new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build())
            .AddOpenAIProvider().AddMiniLmProvider().AddOnnxProvider();
        await using ServiceProvider provider = services.BuildServiceProvider();
        IEmbeddingGenerator<string, Embedding<float>> minilm = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        IEmbeddingGenerator<string, Embedding<float>> onnx = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("folder");
        IEmbeddingGenerator<string, Embedding<float>> guarded = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("guarded");
        IEmbeddingGenerator<string, Embedding<float>> defaults = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("defaults");
        IEmbeddingGenerator<string, Embedding<float>> remote = Remote(provider);

        // No Resilience section: the service is the local generator itself, nothing between the caller and the model.
        Assert.IsType<OnnxEmbeddingGenerator>(minilm);
        Assert.IsType<OnnxEmbeddingGenerator>(onnx);
        Assert.Null(minilm.GetService<ResilientEmbeddingGenerator>());
        Assert.Null(onnx.GetService<ResilientEmbeddingGenerator>());

        // A Resilience section, with keys or empty (the defaults), and a remote provider by default: the layer, over the provider's generator.
        Assert.IsType<OnnxEmbeddingGenerator>(Assert.IsType<ResilientEmbeddingGenerator>(guarded).GetService<OnnxEmbeddingGenerator>());
        Assert.IsType<ResilientEmbeddingGenerator>(defaults);
        Assert.NotNull(remote.GetService<ResilientEmbeddingGenerator>());

        // The same model answers the same through the layer as without it, and the remote model answers through it.
        float[] bare = (await minilm.GenerateAsync(["Which volcano erupted in 2010?"]))[0].Vector.ToArray();
        Assert.Equal(384, bare.Length);
        Assert.Equal(bare, (await guarded.GenerateAsync(["Which volcano erupted in 2010?"]))[0].Vector.ToArray());
        Assert.Equal(bare, (await onnx.GenerateAsync(["Which volcano erupted in 2010?"]))[0].Vector.ToArray());
        Assert.Equal(Vowels, (await remote.GenerateAsync(["aeiou"]))[0].Vector.ToArray());
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task Without_an_attempt_timeout_a_slow_call_is_not_cut_and_the_callers_cancellation_reaches_it_and_is_not_retried()
    {
        await using ServiceProvider provider = Configured(new() { ["BaseDelay"] = "00:00:00.010" });
        IEmbeddingGenerator<string, Embedding<float>> embedder = Remote(provider);

        _server.Enqueue(new ChatFault(Delay: TimeSpan.FromMilliseconds(700)));
        GeneratedEmbeddings<Embedding<float>> slow = await embedder.GenerateAsync(["aeiou"]);
        Assert.Equal(Vowels, slow[0].Vector.ToArray());

        _server.Enqueue(new ChatFault(Delay: TimeSpan.FromSeconds(10)));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => embedder.GenerateAsync(["aeiou"], cancellationToken: cancel.Token));
        Assert.Equal(2, _server.Requests.Count);
    }
}
