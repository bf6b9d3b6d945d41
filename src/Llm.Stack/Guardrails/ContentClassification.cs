namespace Llm.Stack;

/// <summary>What an <see cref="IContentClassifier"/> found in a text: the categories of harmful content, none when the text is acceptable.</summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class ContentClassification
{
    private static readonly string[] s_tagValues = ["hate", "harassment", "violence", "self_harm", "sexual_minors", "weapons", "drugs", "malware"];

    /// <summary>Initializes a new instance of the <see cref="ContentClassification"/> class.</summary>
    /// <param name="categories">The categories found; duplicates are removed and the rest kept in the order of <see cref="ContentCategory"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="categories"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value of <paramref name="categories"/> is not a <see cref="ContentCategory"/>.</exception>
    public ContentClassification(IEnumerable<ContentCategory> categories)
    {
        ArgumentNullException.ThrowIfNull(categories);
        var found = new SortedSet<ContentCategory>();
        foreach (ContentCategory category in categories)
        {
            if (!Enum.IsDefined(category))
            {
                throw new ArgumentOutOfRangeException(nameof(categories), category, "Not a ContentCategory.");
            }

            found.Add(category);
        }

        Categories = [.. found];
    }

    /// <summary>Gets the classification of an acceptable text: no category.</summary>
    public static ContentClassification None { get; } = new([]);

    /// <summary>Gets the categories of harmful content found, in the order of <see cref="ContentCategory"/>; empty when none.</summary>
    public IReadOnlyList<ContentCategory> Categories { get; }

    /// <summary>Gets a value indicating whether any category was found.</summary>
    public bool IsFlagged => Categories.Count > 0;

    /// <summary>The snake-case name of <paramref name="category"/> used on the Meter, in decisions and by the moderator format: <c>hate</c>, <c>self_harm</c>, <c>sexual_minors</c>.</summary>
    internal static string TagValue(ContentCategory category) => s_tagValues[(int)category];

    /// <summary>The category whose <see cref="TagValue"/> is <paramref name="name"/> (case-insensitive), if any.</summary>
    internal static ContentCategory? Parse(ReadOnlySpan<char> name)
    {
        for (int i = 0; i < s_tagValues.Length; i++)
        {
            if (name.Equals(s_tagValues[i], StringComparison.OrdinalIgnoreCase))
            {
                return (ContentCategory)i;
            }
        }

        return null;
    }

    /// <summary>The number of <see cref="ContentCategory"/> values.</summary>
    internal const int CategoryCount = 8;
}
