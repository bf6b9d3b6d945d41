namespace Llm.Stack.Evaluation;

/// <summary>Why an item scored lower than in the baseline (<see cref="ItemChange.Cause"/>).</summary>
public enum ItemChangeCause
{
    /// <summary>The call failed in this run (after its retries).</summary>
    Failed,

    /// <summary>A retrieval metric (<c>hit@k</c>, <c>MRR@k</c>) dropped: the documents that hold the answer were not retrieved as high as before.</summary>
    RetrievalMissed,

    /// <summary>Retrieval did as well as before (or is not measured), and the answer is not the one of the baseline.</summary>
    AnswerChanged,

    /// <summary>The answer is the same text as in the baseline, yet a score dropped (the references changed).</summary>
    ScoreChanged,
}
