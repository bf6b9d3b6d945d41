using Microsoft.ML.OnnxRuntimeGenAI;

namespace Llm.Stack.Onnx;

/// <summary>
/// What an <see cref="OnnxChatClient"/> reads once from a GenAI model and its tokenizer: the end-of-sequence tokens, how
/// the prompt is rendered (the model's chat template, probed for tools and tool calls, or a built-in formatter) and
/// the tool-call format the output is parsed with.
/// </summary>
internal sealed class ChatModelProfile
{
    private const string ProbeToolName = "llm_stack_probe_tool";
    private const string ProbeCallName = "llm_stack_probe_call";

    private ChatModelProfile(int[] eosTokenIds, IChatPromptFormatter? formatter, bool templateTakesTools, bool templateRendersToolCalls, ToolCallFormat toolCallFormat)
    {
        EosTokenIds = eosTokenIds;
        Formatter = formatter;
        TemplateTakesTools = templateTakesTools;
        TemplateRendersToolCalls = templateRendersToolCalls;
        ToolCallFormat = toolCallFormat;
    }

    /// <summary>Gets the tokens that end the answer.</summary>
    public int[] EosTokenIds { get; }

    /// <summary>Gets the prompt formatter, or <see langword="null"/> to render with the model's chat template.</summary>
    public IChatPromptFormatter? Formatter { get; }

    /// <summary>Gets a value indicating whether the chat template renders its <c>tools</c> argument.</summary>
    public bool TemplateTakesTools { get; }

    /// <summary>Gets a value indicating whether the chat template renders an assistant message's tool calls.</summary>
    public bool TemplateRendersToolCalls { get; }

    /// <summary>Gets the tool-call format the output is parsed with.</summary>
    public ToolCallFormat ToolCallFormat { get; }

    /// <summary>Reads the profile of <paramref name="model"/>, with the choices of <paramref name="options"/> first.</summary>
    /// <param name="model">The model.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="options">The client's options.</param>
    /// <returns>The profile.</returns>
    public static ChatModelProfile Read(Model model, Tokenizer tokenizer, OnnxChatClientOptions options)
    {
        int[] eos = tokenizer.GetEosTokenIds().ToArray();
        string modelType = model.GetModelType();
        IChatPromptFormatter? formatter = options.PromptFormatter;
        bool takesTools = false;
        bool rendersCalls = false;
        string? probe = null;
        if (formatter is null)
        {
            probe = ProbeTemplate(tokenizer, withTools: true);
            if (probe is null)
            {
                formatter = DefaultFormatter(modelType);
            }
            else
            {
                takesTools = probe.Contains(ProbeToolName, StringComparison.Ordinal);
                rendersCalls = ProbeTemplate(tokenizer, withTools: false)?.Contains(ProbeCallName, StringComparison.Ordinal) == true;
            }
        }

        ToolCallFormat format = options.ToolCallFormat != ToolCallFormat.Auto ? options.ToolCallFormat
            : formatter is BuiltInChatPromptFormatter builtIn ? builtIn.ToolCallFormat
            : FormatFromTemplate(probe) ?? FormatFromModelType(modelType);
        return new ChatModelProfile(eos, formatter, takesTools, rendersCalls, format);
    }

    /// <summary>Renders a probe conversation with the model's template: null when it has none.</summary>
    private static string? ProbeTemplate(Tokenizer tokenizer, bool withTools)
    {
        string messages = withTools
            ? "[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"u\"}]"
            : "[{\"role\":\"user\",\"content\":\"u\"},{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"" + ProbeCallName + "\",\"arguments\":{}}}]},{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"r\"},{\"role\":\"user\",\"content\":\"u\"}]";
        string? tools = withTools ? "[{\"type\":\"function\",\"function\":{\"name\":\"" + ProbeToolName + "\",\"description\":\"d\",\"parameters\":{\"type\":\"object\",\"properties\":{}}}}]" : null;
        try
        {
            return tokenizer.ApplyChatTemplate(null, messages, tools, true);
        }
        catch (OnnxRuntimeGenAIException)
        {
            return null;
        }
    }

    private static ToolCallFormat? FormatFromTemplate(string? rendered) =>
        rendered is null ? null
        : rendered.Contains(ToolCallParser.HermesStart, StringComparison.Ordinal) ? ToolCallFormat.Hermes
        : rendered.Contains(ToolCallParser.PhiStart, StringComparison.Ordinal) ? ToolCallFormat.Phi
        : rendered.Contains(ToolCallParser.PythonTag, StringComparison.Ordinal) || rendered.Contains("function name, \"parameters\"", StringComparison.Ordinal) ? ToolCallFormat.Llama3Json
        : null;

    private static ToolCallFormat FormatFromModelType(string modelType) =>
        modelType.StartsWith("llama", StringComparison.OrdinalIgnoreCase) ? ToolCallFormat.Llama3Json
        : modelType.StartsWith("phi", StringComparison.OrdinalIgnoreCase) ? ToolCallFormat.Phi
        : ToolCallFormat.Hermes;

    private static IChatPromptFormatter DefaultFormatter(string modelType) =>
        modelType.StartsWith("llama", StringComparison.OrdinalIgnoreCase) ? ChatPromptFormatters.Llama3
        : modelType.StartsWith("phi", StringComparison.OrdinalIgnoreCase) ? ChatPromptFormatters.Phi3
        : ChatPromptFormatters.ChatMl;
}
