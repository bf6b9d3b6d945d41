namespace Llm.Stack;

/// <summary>One bin of <see cref="InteractionStatistics.TopScoreHistogram"/>: how many answers had their best retrieval score in [<paramref name="Low"/>, <paramref name="High"/>) (the last bin includes <paramref name="High"/>).</summary>
/// <param name="Low">The bin's lowest score.</param>
/// <param name="High">The bin's highest score.</param>
/// <param name="Count">The number of answers.</param>
public readonly record struct InteractionScoreBin(double Low, double High, long Count);
