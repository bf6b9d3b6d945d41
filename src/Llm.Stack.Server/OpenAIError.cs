namespace Llm.Stack.Server;

/// <summary>A request the endpoints refuse, answered as an OpenAI-shaped error body.</summary>
internal sealed class OpenAIError : Exception
{
    public OpenAIError(int status, string message, string? param = null, string? code = null, string type = "invalid_request_error")
        : base(message)
    {
        Status = status;
        Param = param;
        Code = code;
        Type = type;
    }

    public int Status { get; }

    public string? Param { get; }

    public string? Code { get; }

    public string Type { get; }

    public static OpenAIError Invalid(string message, string? param = null) => new(400, message, param);
}
