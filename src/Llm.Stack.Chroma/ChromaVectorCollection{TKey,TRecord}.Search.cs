// RS0026: the overloads with optional parameters are the MEVD base class's, which these members override.
#pragma warning disable RS0026
using System.Runtime.CompilerServices;
using System.Text.Json;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.Chroma;

// Vector search.
#pragma warning disable CA1711 // The MEVD type it derives from is a "Collection".
public sealed partial class ChromaVectorCollection<TKey, TRecord>
#pragma warning restore CA1711
{
    private static readonly VectorSearchOptions<TRecord> DefaultSearchOptions = new();

    /// <inheritdoc />
    /// <remarks>
    /// Chroma's HNSW query, with the filter as its <c>where</c> clause (Chroma filters before it searches). Scores follow
    /// MEVD semantics, computed from Chroma's distance: CosineSimilarity is 1 − Chroma's cosine distance, DotProductSimilarity
    /// 1 − its inner-product distance, EuclideanDistance the square root of its squared L2 distance. <c>Skip</c> is applied by
    /// asking for <c>Skip + top</c> results.
    /// </remarks>
    /// <exception cref="ArgumentException">The search vector has the wrong dimensions, a NaN or infinite component, or is zero under a cosine function.</exception>
    /// <exception cref="NotSupportedException">The filter uses an unsupported expression, or the input is not a vector and no embedding generator is configured.</exception>
    public override async IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(
        TInput searchValue,
        int top,
        VectorSearchOptions<TRecord>? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= DefaultSearchOptions;
        ConnectorRecords.CheckSearchArguments(searchValue, top, options.Skip);
        bool includeVectors = ConnectorRecords.CheckIncludeVectors(_model, options.IncludeVectors);
        VectorPropertyModel property = _model.GetVectorPropertyOrSingle(options);
        ReadOnlyMemory<float> query = await ConnectorRecords.ResolveSearchVectorAsync(
            searchValue, property, _distance.IsCosine ? _distance.Function : null, cancellationToken).ConfigureAwait(false);

        ChromaFilterTranslator.Where? where = options.Filter is null ? null : ChromaFilterTranslator.Translate(options.Filter, _model);
        int skip = options.Skip;
        using JsonDocument reply = (await SendToCollectionAsync("query", "Search", writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("query_embeddings");
            writer.WriteStartArray();
            foreach (float component in query.Span)
            {
                writer.WriteNumberValue(component);
            }

            writer.WriteEndArray();
            writer.WriteEndArray();
            writer.WriteNumber("n_results", (long)skip + top);
            if (where is not null)
            {
                writer.WritePropertyName("where");
                where.Write(writer);
            }

            WriteInclude(writer, includeVectors, distances: true);
            writer.WriteEndObject();
        }, cancellationToken).ConfigureAwait(false))!;

        // One query: every field is an array holding one array of results.
        JsonElement root = reply.RootElement;
        JsonElement ids = root.GetProperty("ids")[0];
        JsonElement distances = root.GetProperty("distances")[0];
        JsonElement metadatas = root.TryGetProperty("metadatas", out JsonElement m) && m.ValueKind == JsonValueKind.Array ? m[0] : default;
        JsonElement embeddings = includeVectors && root.TryGetProperty("embeddings", out JsonElement e) && e.ValueKind == JsonValueKind.Array ? e[0] : default;
        int count = ids.GetArrayLength();
        for (int i = skip; i < count; i++)
        {
            double score = _distance.Score(distances[i].GetDouble());
            if (options.ScoreThreshold is double threshold && !_distance.Passes(score, threshold))
            {
                // Results come best first: the rest fail the threshold too.
                yield break;
            }

            TRecord record = Materialize(
                ids[i].GetString()!,
                metadatas.ValueKind == JsonValueKind.Array ? metadatas[i] : default,
                embeddings.ValueKind == JsonValueKind.Array ? embeddings[i] : default);
            yield return new VectorSearchResult<TRecord>(record, score);
        }
    }
}
