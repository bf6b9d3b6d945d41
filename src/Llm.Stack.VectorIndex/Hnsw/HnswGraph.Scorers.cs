using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Llm.Stack.VectorIndex;

/// <content>How a graph walk scores a node against the vector it looks for: the float32 row, or the int8 codes.</content>
internal sealed partial class HnswGraph
{
    /// <summary>Scores nodes against one query vector ("goodness": higher is better) and prefetches their data.</summary>
    private interface INodeScorer
    {
        /// <summary>Returns the goodness of <paramref name="node"/> for the query.</summary>
        float Score(int node);

        /// <summary>Starts loading the data <see cref="Score"/> will read for <paramref name="node"/>.</summary>
        void Prefetch(int node);
    }

    /// <summary>Exact scores from the column's float32 rows (inserts, and searches of a float32 graph).</summary>
    private readonly ref struct FloatScorer : INodeScorer
    {
        private readonly HnswGraph _graph;
        private readonly ReadOnlySpan<float> _vector;
        private readonly float _norm;

        public FloatScorer(HnswGraph graph, ReadOnlySpan<float> vector, float norm)
        {
            _graph = graph;
            _vector = vector;
            _norm = norm;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Score(int node) => _graph.Goodness(_vector, _norm, node);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Prefetch(int node) => VectorKernels.Prefetch(_graph._column.Data, node * _graph._column.Dimensions, _graph._column.Dimensions);
    }

    /// <summary>
    /// Approximate scores from the column's int8 codes (a quarter of the float32 bytes per visited node), computed as the
    /// quantized exact scan computes them: the query as biased unsigned codes, each row's code sum as the correction.
    /// </summary>
    private readonly ref struct Int8Scorer : INodeScorer
    {
        private readonly ref byte _query;
        private readonly VectorColumn _column;
        private readonly float _queryScale;
        private readonly float _queryNorm;
        private readonly bool _cosine;
        private readonly bool _dotProduct;

        public Int8Scorer(VectorColumn column, Span<byte> queryCodes, float queryScale, float queryNorm)
        {
            _query = ref MemoryMarshal.GetReference(queryCodes);
            _column = column;
            _queryScale = queryScale;
            _queryNorm = queryNorm;
            DistanceKind kind = column.Spec.Distance;
            _cosine = kind is DistanceKind.CosineSimilarity or DistanceKind.CosineDistance;
            _dotProduct = kind is DistanceKind.DotProductSimilarity or DistanceKind.NegativeDotProductSimilarity;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Score(int node)
        {
            VectorColumn column = _column;
            int dim = column.Dimensions;
            ref sbyte row = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(column.Codes), (nint)node * dim);
            int raw = QuantizedKernels.DotBiased(ref _query, ref row, dim) - (QuantizedKernels.QueryBias * column.CodeSums[node]);
            float dot = raw * _queryScale * column.Scales[node];
            float rowNorm = column.Norms[node];
            return _cosine ? dot / (_queryNorm * rowNorm)
                : _dotProduct ? dot
                : (2 * dot) - (_queryNorm * _queryNorm) - (rowNorm * rowNorm);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Prefetch(int node) => VectorKernels.Prefetch(_column.Codes, node * _column.Dimensions, _column.Dimensions);
    }
}
