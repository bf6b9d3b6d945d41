// The in-memory store's operations in an app published with PublishTrimmed=true: each check prints "ok: ..." and any
// failure ends the app with exit code 1 and one "FAILED: ..." line. The record type is created by the app only through
// its parameterized constructor, and its string vector property is read only by the store (to embed it), so trimming
// would remove what the record mapping reads unless the store keeps it.
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

try
{
    using var embedder = new LetterEmbedder();
    using var store = new InMemoryVectorStore(new InMemoryVectorStoreOptions { EmbeddingGenerator = embedder });

    var articles = new InMemoryVectorCollection<int, Article>(store, "articles");
    await articles.EnsureCollectionExistsAsync();
    Check(await articles.CollectionExistsAsync(), "create collection");

    await articles.UpsertAsync([
        new Article(1, "volcanoes", 2010, "Eyjafjallajokull erupted in Iceland", ["iceland", "ash"]),
        new Article(2, "volcanoes", 1980, "Mount St. Helens erupted in Washington", ["usa"]),
        new Article(3, "rivers", 2010, "The Danube flows into the Black Sea", ["europe"]),
        new Article(4, "rivers", 1999, "The Nile is the longest river of Africa", ["africa"]),
    ]);
    Check(await articles.GetAsync(1) is { Category: "volcanoes", Year: 2010, Text: "Eyjafjallajokull erupted in Iceland" } first
        && first.Tags.SequenceEqual(["iceland", "ash"]), "upsert and get (constructor, properties and the embedded string)");

    string[] categories = ["volcanoes"];
    int since = 2000;
    var hits = await articles.SearchAsync("erupted in Iceland", top: 3, new() { Filter = a => categories.Contains(a.Category) && a.Year >= since })
        .ToListAsync();
    Check(hits is [{ Record.Id: 1 }], $"search with a filter ({string.Join(", ", hits.Select(h => h.Record.Id))})");

    var nearest = await articles.SearchAsync("The Danube flows into the Black Sea", top: 1).ToListAsync();
    Check(nearest is [{ Record.Id: 3 }], "search by a string embedded by the store's generator");

    await articles.DeleteAsync(2);
    Check(await articles.GetAsync(2) is null && await articles.GetAsync(4) is not null, "delete");

    string snapshot = Path.Combine(Path.GetTempPath(), $"trimmed-app-{Environment.ProcessId}.lsvi");
    try
    {
        await store.SaveCollectionToFileAsync("articles", snapshot);
        using var reloaded = new InMemoryVectorStore(new InMemoryVectorStoreOptions { EmbeddingGenerator = embedder });
        Check(await reloaded.LoadCollectionFromFileAsync(snapshot) == "articles", "snapshot save and load");
        var loaded = new InMemoryVectorCollection<int, Article>(reloaded, "articles");
        Check(await loaded.GetAsync(1) is { Year: 2010, Text: "Eyjafjallajokull erupted in Iceland" } again && again.Tags.SequenceEqual(["iceland", "ash"])
            && await loaded.GetAsync(2) is null, "the loaded snapshot holds the records");
        Check(await loaded.SearchAsync("The Nile is the longest river of Africa", top: 1).ToListAsync() is [{ Record.Id: 4 }], "search after load");
    }
    finally
    {
        File.Delete(snapshot);
    }

    var definition = new VectorStoreCollectionDefinition
    {
        Properties = [new VectorStoreKeyProperty("Key", typeof(string)), new VectorStoreDataProperty("Name", typeof(string)), new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 2)],
    };
    var dynamic = store.GetDynamicCollection("dynamic", definition);
    await dynamic.EnsureCollectionExistsAsync();
    await dynamic.UpsertAsync(new Dictionary<string, object?> { ["Key"] = "a", ["Name"] = "alpha", ["Vector"] = new ReadOnlyMemory<float>([1f, 0f]) });
    Check(await dynamic.GetAsync("a") is { } record && (string?)record["Name"] == "alpha", "dynamic collection");

    Console.WriteLine("all store checks passed");
    return 0;
}
catch (Exception e)
{
    Console.WriteLine($"FAILED: {e.GetType().Name}: {e.Message}");
    return 1;
}

static void Check(bool condition, string what)
{
    if (!condition)
    {
        throw new InvalidOperationException(what);
    }

    Console.WriteLine($"ok: {what}");
}

/// <summary>A record with no parameterless constructor call in the app: the store creates it by reflection.</summary>
internal sealed class Article
{
    /// <summary>The constructor the store uses when it materializes a record.</summary>
    public Article()
    {
    }

    public Article(int id, string category, int year, string text, List<string> tags)
    {
        Id = id;
        Category = category;
        Year = year;
        Text = text;
        Tags = tags;
    }

    [VectorStoreKey]
    public int Id { get; set; }

    [VectorStoreData(IsIndexed = true)]
    public string Category { get; set; } = "";

    [VectorStoreData(IsIndexed = true)]
    public int Year { get; set; }

    [VectorStoreData]
    public List<string> Tags { get; set; } = [];

    /// <summary>A string vector property: the store embeds it with its generator.</summary>
    [VectorStoreVector(8)]
    public string Text { get; set; } = "";
}

/// <summary>A deterministic embedder: letter counts folded into 8 dimensions, plus one so that no vector is zero.</summary>
internal sealed class LetterEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var embeddings = new GeneratedEmbeddings<Embedding<float>>();
        foreach (string value in values)
        {
            float[] vector = [1, 1, 1, 1, 1, 1, 1, 1];
            foreach (char c in value.ToUpperInvariant())
            {
                if (c is >= 'A' and <= 'Z')
                {
                    vector[(c - 'A') % 8] += 1;
                }
            }

            embeddings.Add(new Embedding<float>(vector) { ModelId = "letters" });
        }

        return Task.FromResult(embeddings);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
