namespace Llm.Stack.Connectors.Tests;

/// <summary>The data of the package READMEs' hotel example, and a console capture to check what the snippet prints.</summary>
internal static class HotelExample
{
    public static PackageReadmeTests.Hotel[] Records() =>
    [
        new() { Id = "h1", Name = "Harbour", Rating = 5, Embedding = new float[] { 1, 0, 0 } },
        new() { Id = "h2", Name = "Station", Rating = 3, Embedding = new float[] { 0.9f, 0.1f, 0 } },
        new() { Id = "h3", Name = "Hill", Rating = 4, Embedding = new float[] { 0, 1, 0 } },
    ];

    public static ReadOnlyMemory<float> QueryVector => new float[] { 1, 0.05f, 0 };

    /// <summary>Runs <paramref name="example"/> with the console redirected and returns the first word of each line it printed.</summary>
    public static async Task<string[]> PrintedNamesAsync(Func<Task> example)
    {
        var output = new StringWriter();
        TextWriter console = Console.Out;
        Console.SetOut(output);
        try
        {
            await example();
        }
        finally
        {
            Console.SetOut(console);
        }

        return [.. output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0])];
    }
}
