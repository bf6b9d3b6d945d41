namespace Llm.Stack.VectorIndex;

/// <summary>How the in-memory index compresses vectors for the first, approximate pass of a search.</summary>
/// <remarks>
/// Quantized searches scan the compact codes to pick <c>oversampling × (Skip + top)</c> candidates and rescore those at
/// full float32 precision, so scores are exact and only the candidate set is approximate. The float32 vectors are
/// kept (for rescoring and <c>IncludeVectors</c>); the codes are stored in addition to them. Quantization applies to the
/// cosine, dot-product and Euclidean functions; Manhattan and Hamming properties are always searched exactly.
/// </remarks>
public enum VectorQuantization
{
    /// <summary>No compression: exact float32 search (the default).</summary>
    None = 0,

    /// <summary>Scalar int8 codes (one signed byte per dimension and one float scale per vector): 4× less memory to scan.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "int8 is the name this quantization has in the field (FAISS, Qdrant, pgvector).")]
    Int8 = 1,

    /// <summary>One sign bit per dimension, compared by Hamming distance: 32× less memory to scan, lower candidate recall.</summary>
    Binary = 2,
}
