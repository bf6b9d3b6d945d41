using Microsoft.Extensions.Logging;

namespace Llm.Stack.Onnx;

/// <summary>The log messages of Llm.Stack.Onnx: counts, ids and durations only; text (prompts, answers, inputs) only at Trace.</summary>
internal static partial class OnnxLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Loaded the ONNX {Kind} '{ModelId}' on {Provider} ({Inputs} inputs).")]
    public static partial void ModelLoaded(ILogger logger, string kind, string modelId, OnnxExecutionProvider provider, int inputs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Embedded {Count} input(s), {Tokens} tokens, with '{ModelId}' in {ElapsedMs:F1} ms.")]
    public static partial void Embedded(ILogger logger, int count, long tokens, string modelId, double elapsedMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Loaded the ONNX GenAI chat model '{ModelId}' (type {ModelType}, context {ContextLength} tokens, tool calls {ToolCallFormat}).")]
    public static partial void ChatModelLoaded(ILogger logger, string modelId, string modelType, int contextLength, ToolCallFormat toolCallFormat);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Generated {OutputTokens} token(s) after a {InputTokens}-token prompt with '{ModelId}' in {ElapsedMs:F1} ms; finish reason {FinishReason}.")]
    public static partial void Generated(ILogger logger, int inputTokens, int outputTokens, string modelId, double elapsedMs, string finishReason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Trace, Message = "Prompt of '{ModelId}': {Prompt}")]
    public static partial void Prompt(ILogger logger, string modelId, string prompt);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Loaded the LoRA adapter '{AdapterName}' from '{AdapterPath}' for '{ModelId}'.")]
    public static partial void AdapterLoaded(ILogger logger, string adapterName, string adapterPath, string modelId);
}
