using Llm.Stack.Tests.TestDoubles;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;

namespace Llm.Stack.Tests.DependencyInjection;

public class AddLlmStackTests
{
    [Fact]
    public async Task Chat_client_registered_through_the_builder_resolves_and_answers()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(stack => stack.AddChatClient(_ => new TestChatClient { Name = "default" }));

        using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();
        ChatResponse response = await client.GetResponseAsync("hello");

        Assert.Equal("default: hello", response.Text);
        Assert.Same(client, provider.GetRequiredService<IChatClient>());
    }

    [Fact]
    public async Task First_middleware_added_is_the_outermost_layer()
    {
        var log = new List<string>();
        var services = new ServiceCollection();
        services.AddLlmStack()
            .AddChatClient(_ => new TestChatClient())
            .Use(inner => new RecordingChatClient(inner, "first", log))
            .Use(inner => new RecordingChatClient(inner, "second", log))
            .Use(inner => new RecordingChatClient(inner, "third", log));

        using ServiceProvider provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IChatClient>().GetResponseAsync("hi");

        Assert.Equal(["first", "second", "third"], log);
    }

    [Fact]
    public async Task Keyed_chat_clients_are_independent_of_each_other_and_of_the_default()
    {
        var services = new ServiceCollection();
        LlmStackBuilder stack = services.AddLlmStack();
        stack.AddChatClient(_ => new TestChatClient { Name = "default" });
        stack.AddKeyedChatClient("fast", _ => new TestChatClient { Name = "fast" });
        stack.AddKeyedChatClient("smart", _ => new TestChatClient { Name = "smart" });

        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Equal("default: q", (await provider.GetRequiredService<IChatClient>().GetResponseAsync("q")).Text);
        Assert.Equal("fast: q", (await provider.GetRequiredKeyedService<IChatClient>("fast").GetResponseAsync("q")).Text);
        Assert.Equal("smart: q", (await provider.GetRequiredKeyedService<IChatClient>("smart").GetResponseAsync("q")).Text);
        Assert.Null(provider.GetKeyedService<IChatClient>("missing"));
    }

    [Fact]
    public async Task Embedding_generator_and_its_middleware_resolve()
    {
        int calls = 0;
        var services = new ServiceCollection();
        services.AddLlmStack()
            .AddEmbeddingGenerator(_ => new TestEmbeddingGenerator(dimensions: 3))
            .Use((values, options, inner, ct) =>
            {
                calls++;
                return inner.GenerateAsync(values, options, ct);
            });

        using ServiceProvider provider = services.BuildServiceProvider();
        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        Embedding<float> embedding = await generator.GenerateAsync("abc");

        Assert.Equal(3, embedding.Vector.Length);
        Assert.Equal(["a", "b", "c"], embedding.Vector.ToArray().Select(v => ((char)v).ToString()));
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Keyed_embedding_generators_resolve_by_name()
    {
        var services = new ServiceCollection();
        services.AddLlmStack(stack => stack.AddKeyedEmbeddingGenerator("small", _ => new TestEmbeddingGenerator(2)));

        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.NotNull(provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("small"));
        Assert.Null(provider.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
    }

    [Fact]
    public void Vector_store_registration_replaces_the_previous_one_and_keyed_stores_stay_apart()
    {
        var services = new ServiceCollection();
        services.AddLlmStack()
            .AddVectorStore(_ => new TestVectorStore("first"))
            .AddVectorStore(_ => new TestVectorStore("second"))
            .AddKeyedVectorStore("archive", (_, _) => new TestVectorStore("archive"));

        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Equal("second", Assert.IsType<TestVectorStore>(provider.GetRequiredService<VectorStore>()).Name);
        Assert.Single(provider.GetServices<VectorStore>());
        Assert.Equal("archive", Assert.IsType<TestVectorStore>(provider.GetRequiredKeyedService<VectorStore>("archive")).Name);
    }

    [Fact]
    public void The_core_registers_no_concrete_vector_store_chat_client_or_embedder_of_its_own()
    {
        var services = new ServiceCollection();
        services.AddLlmStack();

        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Null(provider.GetService<VectorStore>());
        Assert.Null(provider.GetService<IChatClient>());
        Assert.Null(provider.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
    }

    [Fact]
    public void Null_arguments_are_rejected_with_their_names()
    {
        var services = new ServiceCollection();
        LlmStackBuilder stack = services.AddLlmStack();

        Assert.Equal("services", Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddLlmStack()).ParamName);
        Assert.Equal("configuration", Assert.Throws<ArgumentNullException>(() => services.AddLlmStack((Microsoft.Extensions.Configuration.IConfiguration)null!)).ParamName);
        Assert.Equal("innerClientFactory", Assert.Throws<ArgumentNullException>(() => stack.AddChatClient((Func<IServiceProvider, IChatClient>)null!)).ParamName);
        Assert.Equal("serviceKey", Assert.Throws<ArgumentNullException>(() => stack.AddKeyedChatClient(null!, _ => new TestChatClient())).ParamName);
        Assert.Equal("factory", Assert.Throws<ArgumentNullException>(() => stack.AddVectorStore(null!)).ParamName);
    }
}
