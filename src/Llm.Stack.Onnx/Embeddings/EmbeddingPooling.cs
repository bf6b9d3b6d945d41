namespace Llm.Stack.Onnx;

/// <summary>How the token vectors of a BERT-family model are pooled into one sentence embedding.</summary>
public enum EmbeddingPooling
{
    /// <summary>The mean of the token vectors under the attention mask (sentence-transformers' default).</summary>
    Mean = 0,

    /// <summary>The vector of the leading <c>[CLS]</c> token.</summary>
    Cls = 1,
}
