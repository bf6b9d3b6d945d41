namespace Llm.Stack.Onnx;

/// <summary>The way a model spells tool (function) calls in its output, and how tools are described to it.</summary>
public enum ToolCallFormat
{
    /// <summary>
    /// Chosen from the model: its chat template (a template that mentions <c>&lt;tool_call&gt;</c> is Hermes,
    /// <c>&lt;|tool_call|&gt;</c> is Phi, <c>&lt;|python_tag|&gt;</c> or <c>ipython</c> is Llama 3), else its
    /// <c>genai_config.json</c> model type (<c>llama</c> → Llama 3, <c>phi*</c> → Phi, anything else → Hermes).
    /// </summary>
    Auto = 0,

    /// <summary>Hermes / Qwen: <c>&lt;tool_call&gt;{"name": …, "arguments": {…}}&lt;/tool_call&gt;</c>, one block per call.</summary>
    Hermes,

    /// <summary>Llama 3.x: the whole answer is <c>{"name": …, "parameters": {…}}</c> (optionally after <c>&lt;|python_tag|&gt;</c>; several calls separated by <c>;</c>).</summary>
    Llama3Json,

    /// <summary>Phi-4: <c>&lt;|tool_call|&gt;[{"name": …, "arguments": {…}}, …]&lt;|/tool_call|&gt;</c>.</summary>
    Phi,

    /// <summary>No tool calls are parsed: the output is always text.</summary>
    None,
}
