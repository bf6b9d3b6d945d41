namespace Llm.Stack.Connectors.Tests;

/// <summary>The record of the conformance suite: every kind of value a connector maps (mapped by <see cref="ConformanceData.Definition"/>).</summary>
public sealed class ConformanceRecord
{
    public string Key { get; set; } = string.Empty;

    public string Category { get; set; } = string.Empty;

    public int Number { get; set; }

    public long Big { get; set; }

    public double Price { get; set; }

    public bool Flag { get; set; }

    public string? Note { get; set; }

    public string[] Tags { get; set; } = [];

    public List<int> Scores { get; set; } = [];

    public string Text { get; set; } = string.Empty;

    public DateTimeOffset When { get; set; }

    public Guid Reference { get; set; }

    public ReadOnlyMemory<float>? Vector { get; set; }
}
