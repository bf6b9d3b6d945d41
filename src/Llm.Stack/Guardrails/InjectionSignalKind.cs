namespace Llm.Stack;

/// <summary>The kinds of evidence of a prompt injection that <see cref="PromptInjectionDetector"/> looks for.</summary>
public enum InjectionSignalKind
{
    /// <summary>An instruction to ignore, forget or override the previous instructions or rules.</summary>
    IgnoreInstructions,

    /// <summary>An attempt to give the model a new role or identity ("you are now …", "developer mode", "DAN").</summary>
    RoleImpersonation,

    /// <summary>A request to reveal the system prompt, the instructions, or secrets (keys, passwords).</summary>
    PromptExtraction,

    /// <summary>Text that imitates the delimiters of a prompt: chat-template tokens (<c>&lt;|im_start|&gt;</c>, <c>[INST]</c>), role lines (<c>system:</c>), or the closing tag of the sources block.</summary>
    DelimiterSpoofing,

    /// <summary>Invisible characters: bidirectional controls, Unicode tag characters, or runs of zero-width characters.</summary>
    InvisibleCharacters,

    /// <summary>A base64, hexadecimal or URL-encoded payload that decodes to text holding one of the other signals.</summary>
    EncodedPayload,
}
