namespace Llm.Stack.Onnx;

/// <summary>The provider-selection calls of ONNX Runtime GenAI's <c>Config</c>, so that selection can be tested without a GPU.</summary>
internal interface IGenAiProviderConfig
{
    void ClearProviders();

    void AppendProvider(string provider);

    void SetProviderOption(string provider, string option, string value);

    void Overlay(string json);
}
