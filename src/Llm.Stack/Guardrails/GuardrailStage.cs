namespace Llm.Stack;

/// <summary>Where in a call a guardrail check runs.</summary>
public enum GuardrailStage
{
    /// <summary>The messages sent to the model.</summary>
    Input,

    /// <summary>The chunks a retriever returns, before they are assembled into a prompt (<see cref="GuardrailRetriever"/>).</summary>
    RetrievedDocuments,

    /// <summary>The model's answer, before the caller sees it (streamed or not).</summary>
    Output,

    /// <summary>
    /// The results of the application's functions (<see cref="Microsoft.Extensions.AI.FunctionResultContent"/>) sent back
    /// to the model: data from outside, like retrieved documents, and the usual road of an indirect prompt injection.
    /// </summary>
    ToolResults,
}
