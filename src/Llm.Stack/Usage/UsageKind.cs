namespace Llm.Stack;

/// <summary>The kind of call a <see cref="UsageRecord"/> counts.</summary>
public enum UsageKind
{
    /// <summary>A chat call (<c>gen_ai.operation.name</c> = <c>chat</c>).</summary>
    Chat,

    /// <summary>An embedding call (<c>gen_ai.operation.name</c> = <c>embeddings</c>).</summary>
    Embeddings,
}
