using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Llm.Stack;

/// <summary>
/// The telemetry of the core package: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named
/// <c>Llm.Stack</c>, with the names of their spans and instruments.
/// </summary>
/// <remarks>
/// <para>
/// Spans: ingestion (<see cref="IngestSpanName"/> and its stages), the RAG stages of <see cref="RagPipeline"/> (<see cref="RewriteSpanName"/>, <see cref="RetrieveSpanName"/>,
/// <see cref="RerankSpanName"/>, <see cref="AssembleSpanName"/>, <see cref="GenerateSpanName"/>), each naming the chunk
/// ids it used in <see cref="TelemetryTags.ChunkIds"/>. Metrics: <see cref="RetrievalDurationName"/>,
/// <see cref="IngestedDocumentsName"/>, <see cref="IngestedChunksName"/> and <see cref="GuardrailDecisionsName"/>. Tag names are in <see cref="TelemetryTags"/>;
/// no tag holds question, prompt, chunk or answer text.
/// </para>
/// <para>
/// Subscribe with OpenTelemetry's <c>AddSource(LlmStackTelemetry.ActivitySourceName)</c> and
/// <c>AddMeter(LlmStackTelemetry.MeterName)</c>. With no listener, the instrumented calls skip all telemetry work.
/// </para>
/// </remarks>
public static class LlmStackTelemetry
{
    /// <summary>The name of the core package's <see cref="ActivitySource"/>.</summary>
    public const string ActivitySourceName = "Llm.Stack";

    /// <summary>The name of the core package's <see cref="Meter"/>.</summary>
    public const string MeterName = "Llm.Stack";

    /// <summary>The span of a whole RAG answer (the parent of the stage spans).</summary>
    public const string AskSpanName = "llm_stack.rag.ask";

    /// <summary>The span of the question rewrite (a follow-up question made standalone by the chat model).</summary>
    public const string RewriteSpanName = "llm_stack.rag.rewrite";

    /// <summary>The span of retrieval; <see cref="TelemetryTags.ChunkIds"/> names the candidates.</summary>
    public const string RetrieveSpanName = "llm_stack.rag.retrieve";

    /// <summary>The span of reranking; <see cref="TelemetryTags.ChunkIds"/> names the chunks kept, best first.</summary>
    public const string RerankSpanName = "llm_stack.rag.rerank";

    /// <summary>The span of prompt assembly; <see cref="TelemetryTags.ChunkIds"/> names the chunks that fit in the prompt.</summary>
    public const string AssembleSpanName = "llm_stack.rag.assemble";

    /// <summary>The span of answer generation (the chat model's call, or the extractive answer).</summary>
    public const string GenerateSpanName = "llm_stack.rag.generate";

    /// <summary>The span of one ingestion run (<see cref="IngestionPipeline"/>), the parent of the ingestion stage spans.</summary>
    public const string IngestSpanName = "llm_stack.ingestion.ingest";

    /// <summary>The span of opening and reading one source item with its document reader.</summary>
    public const string IngestReadSpanName = "llm_stack.ingestion.read";

    /// <summary>The span of one document's transforms, chunking, embedding and writes.</summary>
    public const string IngestDocumentSpanName = "llm_stack.ingestion.document";

    /// <summary>The span of one document's transforms.</summary>
    public const string IngestTransformSpanName = "llm_stack.ingestion.transform";

    /// <summary>The span of chunking one document.</summary>
    public const string IngestChunkSpanName = "llm_stack.ingestion.chunk";

    /// <summary>The span of one embedding call of ingestion (<see cref="TelemetryTags.BatchSize"/> chunks).</summary>
    public const string IngestEmbedSpanName = "llm_stack.ingestion.embed";

    /// <summary>The span of one write of chunks to the collection.</summary>
    public const string IngestUpsertSpanName = "llm_stack.ingestion.upsert";

    /// <summary>The span of one deletion of chunks from the collection (<see cref="TelemetryTags.ChunkCount"/> chunks).</summary>
    public const string IngestDeleteSpanName = "llm_stack.ingestion.delete";

    /// <summary>The span of one checkpoint (<see cref="IngestionOptions.Checkpoint"/>).</summary>
    public const string IngestCheckpointSpanName = "llm_stack.ingestion.checkpoint";

    /// <summary>The histogram of retrieval durations, in seconds (retrieval and reranking of one question).</summary>
    public const string RetrievalDurationName = "llm_stack.retrieval.duration";

    /// <summary>The counter of documents ingested (added or updated).</summary>
    public const string IngestedDocumentsName = "llm_stack.ingestion.documents";

    /// <summary>The counter of chunks written by ingestion.</summary>
    public const string IngestedChunksName = "llm_stack.ingestion.chunks";

    /// <summary>
    /// The counter of guardrail decisions (<see cref="GuardrailChatClient"/>, <see cref="GuardrailRetriever"/>): the number
    /// of items found, tagged with <see cref="TelemetryTags.GuardrailStage"/>, <see cref="TelemetryTags.GuardrailAction"/>,
    /// <see cref="TelemetryTags.GuardrailCategory"/> and <see cref="TelemetryTags.GuardrailKind"/>.
    /// </summary>
    public const string GuardrailDecisionsName = "llm_stack.guardrail.decisions";

    /// <summary>The counter of interaction records stored by <see cref="InteractionLog"/>.</summary>
    public const string InteractionsWrittenName = "llm_stack.interaction_log.written";

    /// <summary>The counter of interaction records <see cref="InteractionLog"/> dropped: its queue was full, or the store failed twice.</summary>
    public const string InteractionsDroppedName = "llm_stack.interaction_log.dropped";

    /// <summary>
    /// OpenTelemetry's GenAI histogram of the tokens of each chat and embedding call the usage ledger records
    /// (<c>UseUsageLedger()</c>), tagged with <see cref="TelemetryTags.OperationName"/>, <see cref="TelemetryTags.TokenType"/>,
    /// <see cref="TelemetryTags.RequestModel"/>, <see cref="TelemetryTags.ProviderName"/> when known, and
    /// <see cref="TelemetryTags.UsageTenant"/> and <see cref="TelemetryTags.UsageOperation"/> when the call's scope has them
    /// (users are not tagged).
    /// </summary>
    public const string TokenUsageName = "gen_ai.client.token.usage";

    /// <summary>The counter of the cost of the calls the usage ledger records, from the configured prices, with the tags of <see cref="TokenUsageName"/> but the token type.</summary>
    public const string UsageCostName = "llm_stack.usage.cost";

    /// <summary>The counter of calls a spent usage budget rejected, tagged with <see cref="TelemetryTags.UsageBudget"/>.</summary>
    public const string BudgetRejectionsName = "llm_stack.usage.budget_rejections";

    internal static readonly ActivitySource Source = new(ActivitySourceName, typeof(LlmStackTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(MeterName, typeof(LlmStackTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Histogram<double> RetrievalDuration = Meter.CreateHistogram(
        RetrievalDurationName,
        unit: "s",
        description: "Measures the duration of retrieving (and reranking) the sources of one question",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12] });

    internal static readonly Counter<long> IngestedDocuments = Meter.CreateCounter<long>(
        IngestedDocumentsName, unit: "{document}", description: "Counts the documents ingested (added or updated)");

    internal static readonly Counter<long> IngestedChunks = Meter.CreateCounter<long>(
        IngestedChunksName, unit: "{chunk}", description: "Counts the chunks written by ingestion");

    internal static readonly Counter<long> GuardrailDecisions = Meter.CreateCounter<long>(
        GuardrailDecisionsName, unit: "{decision}", description: "Counts what the guardrails found, by stage, action, category and kind");

    internal static readonly Counter<long> InteractionsWritten = Meter.CreateCounter<long>(
        InteractionsWrittenName, unit: "{interaction}", description: "Counts the interaction records stored");

    internal static readonly Counter<long> InteractionsDropped = Meter.CreateCounter<long>(
        InteractionsDroppedName, unit: "{interaction}", description: "Counts the interaction records dropped because the queue was full or the store failed");

    /// <summary>Starts a span when someone listens.</summary>
    internal static Activity? Start(string name) => Source.HasListeners() ? Source.StartActivity(name, ActivityKind.Internal) : null;

    /// <summary>Starts the retrieval span (<c>gen_ai.operation.name</c> = <c>retrieval</c>), when someone listens.</summary>
    internal static Activity? StartRetrieve(int top)
    {
        Activity? activity = Start(RetrieveSpanName);
        activity?.SetTag(TelemetryTags.OperationName, TelemetryTags.RetrievalOperation).SetTag(TelemetryTags.TopK, top);
        return activity;
    }

    /// <summary>Records a retrieval's duration when <paramref name="startTimestamp"/> is not 0 (the histogram was enabled at the start).</summary>
    internal static void RecordRetrieval(long startTimestamp)
    {
        if (startTimestamp != 0)
        {
            RetrievalDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);
        }
    }

    /// <summary>Counts one document ingested (added or changed) with its chunks, when someone measures.</summary>
    internal static void CountIngested(int chunks)
    {
        if (IngestedDocuments.Enabled)
        {
            IngestedDocuments.Add(1);
        }

        if (IngestedChunks.Enabled)
        {
            IngestedChunks.Add(chunks);
        }
    }

    /// <summary>Names the chunks a stage used, in order.</summary>
    internal static void SetChunks(Activity? activity, IReadOnlyList<RetrievedChunk> chunks)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        var ids = new string[chunks.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = chunks[i].Chunk.Id;
        }

        activity.SetTag(TelemetryTags.ChunkCount, ids.Length).SetTag(TelemetryTags.ChunkIds, ids);
    }

    /// <summary>Marks a span as failed with the exception's type.</summary>
    internal static void SetError(Activity? activity, Exception error)
    {
        activity?.SetTag(TelemetryTags.ErrorType, error.GetType().FullName).SetStatus(ActivityStatusCode.Error, error.Message);
    }
}
