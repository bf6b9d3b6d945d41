namespace Llm.Stack;

/// <summary>
/// The settings of an Llm.Stack application, bound from the <c>LlmStack</c> configuration section by
/// <c>services.AddLlmStack(configuration)</c> and validated when the application starts.
/// </summary>
/// <remarks>
/// Options are read after the service provider is built; do not mutate an instance after that. Keys are
/// <c>LlmStack:DataDirectory</c>, <c>LlmStack:Chat:*</c>, <c>LlmStack:Embeddings:*</c> and
/// <c>LlmStack:VectorStore:*</c>, <c>LlmStack:Server:*</c>, and the named models <c>LlmStack:ChatModels:&lt;name&gt;:*</c>
/// and <c>LlmStack:EmbeddingModels:&lt;name&gt;:*</c>; <c>LlmStack:Rag:*</c> and <c>LlmStack:Ingestion:*</c> set the defaults of
/// <see cref="RagOptions"/> and <see cref="IngestionOptions"/> (and <c>LlmStack:Rag:ChatModel</c> and
/// <c>LlmStack:Ingestion:EmbeddingModel</c> point those pipelines at a named model), <c>LlmStack:Guardrails:*</c> sets
/// <see cref="GuardrailOptions"/> and, when present, guards every configured chat model, and <c>LlmStack:Chunking:*</c> chooses and sizes the
/// stack's <see cref="ITextChunker"/>. An unknown key is an error, so a typo never goes unnoticed.
/// </remarks>
public sealed class LlmStackOptions
{
    /// <summary>The name of the configuration section the options are bound from.</summary>
    public const string SectionName = "LlmStack";

    /// <summary>Gets or sets the folder where Llm.Stack keeps its data (the persisted index, caches).</summary>
    /// <value>A path, relative to the working directory or absolute. The default value is <c>.llmstack</c>.</value>
    public string DataDirectory { get; set; } = ".llmstack";

    /// <summary>Gets or sets the chat model settings.</summary>
    public ChatModelSettings Chat { get; set; } = new();

    /// <summary>Gets or sets the embedding model settings.</summary>
    public EmbeddingModelSettings Embeddings { get; set; } = new();

    /// <summary>Gets or sets the vector store settings.</summary>
    public VectorStoreSettings VectorStore { get; set; } = new();

    /// <summary>Gets or sets the limits and access rules of the OpenAI-compatible server (Llm.Stack.Server, <c>llmstack serve</c>).</summary>
    public ServerSettings Server { get; set; } = new();

    /// <summary>
    /// Gets the named chat models (<c>LlmStack:ChatModels:&lt;name&gt;</c>, each with the keys of <c>LlmStack:Chat</c>):
    /// <c>services.AddLlmStack(configuration)</c> registers each as a keyed <see cref="Microsoft.Extensions.AI.IChatClient"/>
    /// under its name, with its own resilience layer. <see cref="Chat"/> stays the stack's default (unkeyed) model.
    /// </summary>
    /// <value>Names compared without regard to case; the service key is the name as written in configuration. Empty by default.</value>
    public IDictionary<string, ChatModelSettings> ChatModels { get; } = new Dictionary<string, ChatModelSettings>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets the named embedding models (<c>LlmStack:EmbeddingModels:&lt;name&gt;</c>, each with the keys of
    /// <c>LlmStack:Embeddings</c>): <c>services.AddLlmStack(configuration)</c> registers each as a keyed
    /// <see cref="Microsoft.Extensions.AI.IEmbeddingGenerator{TInput, TEmbedding}"/> of strings to float embeddings under its name.
    /// <see cref="Embeddings"/> stays the stack's default (unkeyed) embedder.
    /// </summary>
    /// <value>Names compared without regard to case; the service key is the name as written in configuration. Empty by default.</value>
    public IDictionary<string, EmbeddingModelSettings> EmbeddingModels { get; } = new Dictionary<string, EmbeddingModelSettings>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets the chat model the RAG pipeline of <c>AddRag()</c> answers with (<c>LlmStack:Rag:ChatModel</c>): the
    /// service key of a keyed <see cref="Microsoft.Extensions.AI.IChatClient"/>, spelled as its section is when it is a
    /// configured named model; <see langword="null"/> for the stack's default chat model.
    /// </summary>
    internal string? RagChatModel { get; set; }

    /// <summary>
    /// Gets or sets the embedding model the ingestion pipeline embeds with, and the local index's queries too
    /// (<c>LlmStack:Ingestion:EmbeddingModel</c>); <see langword="null"/> for the stack's default embedder.
    /// </summary>
    internal string? IngestionEmbeddingModel { get; set; }
}
