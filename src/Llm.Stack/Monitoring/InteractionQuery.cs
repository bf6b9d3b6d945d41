namespace Llm.Stack;

/// <summary>
/// Which interactions <see cref="IInteractionStore.QueryAsync"/> returns, newest first: a page of them, optionally only
/// those with feedback, without feedback, or rated low.
/// </summary>
/// <remarks>Set the properties before the query runs; an instance is not meant to be changed while a query reads it.</remarks>
public sealed class InteractionQuery
{
    /// <summary>The largest <see cref="Count"/>.</summary>
    public const int MaxCount = 10_000;

    /// <summary>Gets or sets the largest number of interactions to return.</summary>
    /// <value>From 1 to <see cref="MaxCount"/>. The default value is 50.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1 to <see cref="MaxCount"/>.</exception>
    public int Count { get; set => field = OptionRange.Check(value, 1, MaxCount); } = 50;

    /// <summary>Gets or sets how many of the matching interactions (newest first) to skip, to page through them.</summary>
    /// <value>The default value is 0.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int Skip { get; set => field = OptionRange.Check(value, 0); }

    /// <summary>Gets or sets whether only interactions with feedback (<see langword="true"/>) or only those without (<see langword="false"/>) are returned.</summary>
    /// <value>The default value is <see langword="null"/>: both.</value>
    public bool? HasFeedback { get; set; }

    /// <summary>Gets or sets a rating: only interactions with some feedback rated at most this are returned (low-rated answers to review).</summary>
    /// <value>From <see cref="InteractionFeedback.MinRating"/> to <see cref="InteractionFeedback.MaxRating"/>. The default value is <see langword="null"/>: any rating or none.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1 to 5.</exception>
    public int? MaxRating
    {
        get;
        set
        {
            if (value is < InteractionFeedback.MinRating or > InteractionFeedback.MaxRating)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"A rating is from {InteractionFeedback.MinRating} to {InteractionFeedback.MaxRating}.");
            }

            field = value;
        }
    }
}
