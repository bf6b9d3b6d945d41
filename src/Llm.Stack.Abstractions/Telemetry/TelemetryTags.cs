namespace Llm.Stack;

/// <summary>
/// The names of the tags (attributes) on Llm.Stack's spans and metrics. Where the OpenTelemetry semantic conventions
/// name a concept (GenAI <c>gen_ai.*</c>, database <c>db.*</c>, <c>error.type</c>) their name is used; the rest are
/// Llm.Stack's own, under <c>llm_stack.*</c>.
/// </summary>
/// <remarks>
/// No tag holds content (question, prompt, chunk or answer text): only ids, counts, sizes and model names, so that
/// telemetry can be exported without exporting the documents.
/// </remarks>
public static class TelemetryTags
{
    /// <summary>The GenAI operation (<c>gen_ai.operation.name</c>): <see cref="EmbeddingsOperation"/>, <see cref="RetrievalOperation"/> or <see cref="ChatOperation"/>.</summary>
    public const string OperationName = "gen_ai.operation.name";

    /// <summary>The GenAI provider (<c>gen_ai.provider.name</c>), such as <c>onnxruntime</c>.</summary>
    public const string ProviderName = "gen_ai.provider.name";

    /// <summary>The model a request is made to (<c>gen_ai.request.model</c>).</summary>
    public const string RequestModel = "gen_ai.request.model";

    /// <summary>The kind of tokens a token-usage measurement counts (<c>gen_ai.token.type</c>): <see cref="InputTokenType"/> or <see cref="OutputTokenType"/>.</summary>
    public const string TokenType = "gen_ai.token.type";

    /// <summary>The number of input tokens of an operation (<c>gen_ai.usage.input_tokens</c>).</summary>
    public const string InputTokens = "gen_ai.usage.input_tokens";

    /// <summary>The number of output tokens of an operation (<c>gen_ai.usage.output_tokens</c>).</summary>
    public const string OutputTokens = "gen_ai.usage.output_tokens";

    /// <summary>The reasons the model stopped generating (<c>gen_ai.response.finish_reasons</c>, a string array).</summary>
    public const string FinishReasons = "gen_ai.response.finish_reasons";

    /// <summary>The number of dimensions of the embeddings (<c>gen_ai.embeddings.dimension.count</c>).</summary>
    public const string EmbeddingDimensions = "gen_ai.embeddings.dimension.count";

    /// <summary>The number of results a retrieval or search was asked for (<c>gen_ai.retrieval.top_k</c>).</summary>
    public const string TopK = "gen_ai.retrieval.top_k";

    /// <summary>The class of error an operation ended with (<c>error.type</c>): the exception's full type name.</summary>
    public const string ErrorType = "error.type";

    /// <summary>The vector store (<c>db.system.name</c>), such as <c>llm_stack.inmemory</c>.</summary>
    public const string DbSystemName = "db.system.name";

    /// <summary>The collection a store operation runs on (<c>db.collection.name</c>).</summary>
    public const string DbCollectionName = "db.collection.name";

    /// <summary>The store operation (<c>db.operation.name</c>), such as <c>search</c>.</summary>
    public const string DbOperationName = "db.operation.name";

    /// <summary>The number of rows (records, results) an operation returned (<c>db.response.returned_rows</c>).</summary>
    public const string ReturnedRows = "db.response.returned_rows";

    /// <summary>The ids of the chunks a RAG stage used, in order (<c>llm_stack.chunk.ids</c>, a string array).</summary>
    public const string ChunkIds = "llm_stack.chunk.ids";

    /// <summary>The number of chunks (<c>llm_stack.chunk.count</c>).</summary>
    public const string ChunkCount = "llm_stack.chunk.count";

    /// <summary>The id of a document (<c>llm_stack.document.id</c>): its path relative to the ingested root, or the id its source gave.</summary>
    public const string DocumentId = "llm_stack.document.id";

    /// <summary>The number of documents (<c>llm_stack.document.count</c>).</summary>
    public const string DocumentCount = "llm_stack.document.count";

    /// <summary>The number of inputs in one model batch (<c>llm_stack.batch.size</c>).</summary>
    public const string BatchSize = "llm_stack.batch.size";

    /// <summary>The padded sequence length of one model batch, in tokens (<c>llm_stack.batch.sequence_length</c>).</summary>
    public const string SequenceLength = "llm_stack.batch.sequence_length";

    /// <summary>
    /// The keys of the records a vector search returned, best first (<c>llm_stack.record.keys</c>, a string array): the
    /// chunk ids when the records are chunks.
    /// </summary>
    public const string RecordKeys = "llm_stack.record.keys";

    /// <summary>The number of records in a snapshot or collection (<c>llm_stack.record.count</c>).</summary>
    public const string RecordCount = "llm_stack.record.count";

    /// <summary>The size of a file written or read, in bytes (<c>llm_stack.file.bytes</c>).</summary>
    public const string FileBytes = "llm_stack.file.bytes";

    /// <summary>The number of prompt tokens a RAG answer's prompt took (<c>llm_stack.prompt.tokens</c>).</summary>
    public const string PromptTokens = "llm_stack.prompt.tokens";

    /// <summary>The stage a guardrail decision was taken at (<c>llm_stack.guardrail.stage</c>): <c>input</c>, <c>retrieved_documents</c>, <c>output</c> or <c>tool_results</c>.</summary>
    public const string GuardrailStage = "llm_stack.guardrail.stage";

    /// <summary>What a guardrail did (<c>llm_stack.guardrail.action</c>): <c>flag</c>, <c>redact</c>, <c>strip</c> or <c>block</c>.</summary>
    public const string GuardrailAction = "llm_stack.guardrail.action";

    /// <summary>What a guardrail found (<c>llm_stack.guardrail.category</c>): <c>personal_data</c>, <c>prompt_injection</c>, <c>invalid_output</c>, <c>refusal</c> or <c>harmful_content</c>.</summary>
    public const string GuardrailCategory = "llm_stack.guardrail.category";

    /// <summary>
    /// The kind within the category (<c>llm_stack.guardrail.kind</c>): for personal data the kind of item
    /// (<c>email</c>, <c>phone</c>, <c>payment_card</c>, <c>iban</c>, <c>us_ssn</c>, <c>ip_address</c>, <c>secret</c>); for
    /// prompt injection the strongest signal (<c>ignore_instructions</c>, <c>role_impersonation</c>, …) or <c>classifier</c>; for
    /// harmful content the content category (<c>hate</c>, <c>harassment</c>, <c>violence</c>, <c>self_harm</c>,
    /// <c>sexual_minors</c>, <c>weapons</c>, <c>drugs</c>, <c>malware</c>).
    /// </summary>
    public const string GuardrailKind = "llm_stack.guardrail.kind";

    /// <summary>The tenant a call is charged to (the usage ledger's <c>UsageScope</c>).</summary>
    public const string UsageTenant = "llm_stack.usage.tenant";

    /// <summary>The application's operation a call is charged to (the usage ledger's <c>UsageScope</c>).</summary>
    public const string UsageOperation = "llm_stack.usage.operation";

    /// <summary>The name of a usage budget.</summary>
    public const string UsageBudget = "llm_stack.usage.budget";

    /// <summary>The value of <see cref="OperationName"/> for embedding generation.</summary>
    public const string EmbeddingsOperation = "embeddings";

    /// <summary>The value of <see cref="OperationName"/> for retrieval.</summary>
    public const string RetrievalOperation = "retrieval";

    /// <summary>The value of <see cref="OperationName"/> for chat generation.</summary>
    public const string ChatOperation = "chat";

    /// <summary>The value of <see cref="TokenType"/> for input tokens.</summary>
    public const string InputTokenType = "input";

    /// <summary>The value of <see cref="TokenType"/> for output tokens.</summary>
    public const string OutputTokenType = "output";
}
