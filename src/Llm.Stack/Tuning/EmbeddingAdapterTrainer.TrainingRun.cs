using System.Diagnostics;
using System.Numerics.Tensors;

namespace Llm.Stack;

public sealed partial class EmbeddingAdapterTrainer
{
    /// <summary>One training: the split, the mined negatives, the weights and Adam's state.</summary>
    private sealed class TrainingRun
    {
        private const double Beta1 = 0.9;
        private const double Beta2 = 0.999;
        private const double Epsilon = 1e-8;

        private readonly EmbeddingAdapterTrainerOptions _options;
        private readonly int _d;
        private readonly int _rank;
        private readonly int _passages;
        private readonly float[] _corpus;
        private readonly float[] _queries;
        private readonly int[][] _relevant;
        private readonly Random _random;

        private readonly float[] _down;
        private readonly float[]? _up;
        private readonly float[] _gradDown;
        private readonly float[]? _gradUp;
        private readonly float[] _m;
        private readonly float[] _v;
        private readonly bool[] _mark;
        private readonly float[] _scores;
        private int _step;

        public TrainingRun(EmbeddingAdapterTrainerOptions options, int d, float[] corpus, float[] queries, int[][] relevant)
        {
            _options = options;
            _d = d;
            _rank = options.Rank;
            if (_rank >= d)
            {
                throw new ArgumentOutOfRangeException(nameof(options), _rank, $"The rank must be below the embedding dimensions ({d}).");
            }

            _corpus = corpus;
            _passages = corpus.Length / d;
            _queries = queries;
            _relevant = relevant;
            _random = new Random(unchecked((options.Seed * 7919) + 104729));
            if (_rank == 0)
            {
                _down = new float[d * d];
            }
            else
            {
                _down = new float[_rank * d];
                _up = new float[d * _rank];
                _gradUp = new float[_up.Length];
                double deviation = 1.0 / Math.Sqrt(d);
                for (int i = 0; i < _down.Length; i++)
                {
                    _down[i] = (float)(NextGaussian() * deviation);
                }
            }

            _gradDown = new float[_down.Length];
            _m = new float[_down.Length + (_up?.Length ?? 0)];
            _v = new float[_m.Length];
            _mark = new bool[_passages];
            _scores = new float[_passages];
        }

        public EmbeddingAdapterTrainingResult Execute(string modelId, Stopwatch stopwatch, CancellationToken cancellationToken)
        {
            int count = _relevant.Length;
            int[] order = Enumerable.Range(0, count).ToArray();
            // The split has its own generator, so that it depends on the seed only, not on the rank or other settings.
            new Random(_options.Seed).Shuffle(order);
            int validationCount = Math.Clamp((int)Math.Round(count * _options.ValidationFraction), 1, count - 2);
            int[] validation = order[..validationCount];
            int[] training = order[validationCount..];
            int[][] negatives = MineHardNegatives(training);

            EmbeddingRetrievalScores baseValidation = Score(validation, adapted: false);
            EmbeddingRetrievalScores baseTraining = Score(training, adapted: false);
            double best = baseValidation.MrrAt10;
            int bestEpoch = 0;
            float[] bestDown = (float[])_down.Clone();
            float[]? bestUp = (float[]?)_up?.Clone();
            int epoch = 0;
            int sinceBest = 0;
            while (epoch < _options.MaxEpochs && sinceBest < _options.Patience)
            {
                cancellationToken.ThrowIfCancellationRequested();
                epoch++;
                _random.Shuffle(training);
                for (int start = 0; start < training.Length; start += _options.BatchSize)
                {
                    Step(training.AsSpan(start, Math.Min(_options.BatchSize, training.Length - start)), negatives);
                }

                double mrr = Score(validation, adapted: true).MrrAt10;
                if (mrr > best + 1e-9)
                {
                    best = mrr;
                    bestEpoch = epoch;
                    _down.CopyTo(bestDown, 0);
                    _up?.CopyTo(bestUp!, 0);
                    sinceBest = 0;
                }
                else
                {
                    sinceBest++;
                }
            }

            bestDown.CopyTo(_down, 0);
            bestUp?.CopyTo(_up!, 0);
            if (bestEpoch == 0 && _up is not null)
            {
                Array.Clear(_up);
            }

            var report = new EmbeddingAdapterReport
            {
                TrainingExamples = training.Length,
                ValidationExamples = validation.Length,
                Passages = _passages,
                BaseValidation = baseValidation,
                AdaptedValidation = bestEpoch == 0 ? baseValidation : Score(validation, adapted: true),
                BaseTraining = baseTraining,
                AdaptedTraining = bestEpoch == 0 ? baseTraining : Score(training, adapted: true),
                Epochs = epoch,
                BestEpoch = bestEpoch,
                Options = _options.Clone(),
                Duration = stopwatch.Elapsed,
            };
            EmbeddingAdapter? adapter = report.IsImprovement
                ? new EmbeddingAdapter(modelId, _d, _rank, _up is null ? _down : [.. _down, .. _up], report)
                : null;
            return new EmbeddingAdapterTrainingResult(adapter, report, []);
        }

        /// <summary>For each training example, the passages the base embedder ranks highest that are not relevant.</summary>
        private int[][] MineHardNegatives(int[] training)
        {
            int k = _options.HardNegatives;
            int[][] result = new int[_relevant.Length][];
            var top = new List<(float Score, int Passage)>(k + 1);
            foreach (int e in training)
            {
                top.Clear();
                ComputeScores(_queries.AsSpan(e * _d, _d));
                MarkRelevant(e, true);
                for (int j = 0; j < _passages && k > 0; j++)
                {
                    if (_mark[j] || (top.Count == k && _scores[j] <= top[^1].Score))
                    {
                        continue;
                    }

                    int at = top.Count;
                    while (at > 0 && top[at - 1].Score < _scores[j])
                    {
                        at--;
                    }

                    top.Insert(at, (_scores[j], j));
                    if (top.Count > k)
                    {
                        top.RemoveAt(k);
                    }
                }

                MarkRelevant(e, false);
                result[e] = top.Select(t => t.Passage).ToArray();
            }

            return result;
        }

        private void Step(ReadOnlySpan<int> batch, int[][] negatives)
        {
            int d = _d;
            int r = _rank;
            Array.Clear(_gradDown);
            if (_gradUp is not null)
            {
                Array.Clear(_gradUp);
            }

            int[] targets = new int[batch.Length];
            for (int b = 0; b < batch.Length; b++)
            {
                int[] rel = _relevant[batch[b]];
                targets[b] = rel[_random.Next(rel.Length)];
            }

            float[] u = new float[d];
            float[] hidden = new float[r];
            float[] gradU = new float[d];
            float[] gradHidden = new float[r];
            var candidates = new List<int>(batch.Length + _options.HardNegatives);
            var logits = new List<double>(candidates.Capacity);
            float scale = (float)_options.Scale;
            for (int b = 0; b < batch.Length; b++)
            {
                int e = batch[b];
                ReadOnlySpan<float> q = _queries.AsSpan(e * d, d);
                Forward(q, u, hidden);
                float norm = TensorPrimitives.Norm(u);
                TensorPrimitives.Divide(u, norm, u);

                candidates.Clear();
                candidates.Add(targets[b]);
                MarkRelevant(e, true);
                for (int c = 0; c < batch.Length; c++)
                {
                    AddCandidate(candidates, targets[c]);
                }

                foreach (int n in negatives[e])
                {
                    AddCandidate(candidates, n);
                }

                MarkRelevant(e, false);

                logits.Clear();
                double max = double.NegativeInfinity;
                foreach (int p in candidates)
                {
                    double logit = scale * TensorPrimitives.Dot(u, _corpus.AsSpan(p * d, d));
                    logits.Add(logit);
                    max = Math.Max(max, logit);
                }

                double sum = 0;
                for (int j = 0; j < logits.Count; j++)
                {
                    sum += Math.Exp(logits[j] - max);
                }

                // Gradient of the loss with respect to the normalised query, then through the normalisation.
                Array.Clear(gradU);
                for (int j = 0; j < candidates.Count; j++)
                {
                    double probability = Math.Exp(logits[j] - max) / sum;
                    float g = (float)(scale * (probability - (j == 0 ? 1.0 : 0.0)));
                    TensorPrimitives.MultiplyAdd(_corpus.AsSpan(candidates[j] * d, d), g, gradU, gradU);
                }

                float along = TensorPrimitives.Dot(u, gradU);
                TensorPrimitives.MultiplyAdd(u, -along, gradU, gradU);
                TensorPrimitives.Divide(gradU, norm, gradU);

                if (_up is null)
                {
                    for (int i = 0; i < d; i++)
                    {
                        Span<float> row = _gradDown.AsSpan(i * d, d);
                        TensorPrimitives.MultiplyAdd(q, gradU[i], row, row);
                    }
                }
                else
                {
                    Array.Clear(gradHidden);
                    for (int i = 0; i < d; i++)
                    {
                        Span<float> row = _gradUp!.AsSpan(i * r, r);
                        TensorPrimitives.MultiplyAdd(hidden, gradU[i], row, row);
                        TensorPrimitives.MultiplyAdd(_up.AsSpan(i * r, r), gradU[i], gradHidden, gradHidden);
                    }

                    for (int k = 0; k < r; k++)
                    {
                        Span<float> row = _gradDown.AsSpan(k * d, d);
                        TensorPrimitives.MultiplyAdd(q, gradHidden[k], row, row);
                    }
                }
            }

            _step++;
            float inverse = 1f / batch.Length;
            Adam(_down, _gradDown, 0, inverse);
            if (_up is not null)
            {
                Adam(_up, _gradUp!, _down.Length, inverse);
            }
        }

        private void AddCandidate(List<int> candidates, int passage)
        {
            if (!_mark[passage] && !candidates.Contains(passage))
            {
                candidates.Add(passage);
            }
        }

        private void Adam(float[] weights, float[] gradients, int offset, float inverseBatch)
        {
            double learningRate = _options.LearningRate;
            double decay = _options.WeightDecay;
            double correction1 = 1 - Math.Pow(Beta1, _step);
            double correction2 = 1 - Math.Pow(Beta2, _step);
            for (int i = 0; i < weights.Length; i++)
            {
                double g = (gradients[i] * inverseBatch) + (decay * weights[i]);
                double m = (Beta1 * _m[offset + i]) + ((1 - Beta1) * g);
                double v = (Beta2 * _v[offset + i]) + ((1 - Beta2) * g * g);
                _m[offset + i] = (float)m;
                _v[offset + i] = (float)v;
                weights[i] -= (float)(learningRate * (m / correction1) / (Math.Sqrt(v / correction2) + Epsilon));
            }
        }

        private void Forward(ReadOnlySpan<float> q, Span<float> output, Span<float> hidden) =>
            EmbeddingAdapter.Forward(_down, _up, _d, _rank, q, output, hidden);

        private EmbeddingRetrievalScores Score(int[] examples, bool adapted)
        {
            float[] u = new float[_d];
            float[] hidden = new float[_rank];
            double hit1 = 0;
            double hit3 = 0;
            double mrr = 0;
            foreach (int e in examples)
            {
                ReadOnlySpan<float> q = _queries.AsSpan(e * _d, _d);
                if (adapted)
                {
                    Forward(q, u, hidden);
                    TensorPrimitives.Divide(u, TensorPrimitives.Norm(u), u);
                    q = u;
                }

                ComputeScores(q);
                float bestRelevant = float.NegativeInfinity;
                foreach (int p in _relevant[e])
                {
                    bestRelevant = Math.Max(bestRelevant, _scores[p]);
                }

                MarkRelevant(e, true);
                int rank = 1;
                for (int j = 0; j < _passages; j++)
                {
                    if (!_mark[j] && _scores[j] > bestRelevant)
                    {
                        rank++;
                    }
                }

                MarkRelevant(e, false);
                hit1 += rank == 1 ? 1 : 0;
                hit3 += rank <= 3 ? 1 : 0;
                mrr += rank <= 10 ? 1.0 / rank : 0;
            }

            int n = examples.Length;
            return new EmbeddingRetrievalScores { Queries = n, HitAt1 = hit1 / n, HitAt3 = hit3 / n, MrrAt10 = mrr / n };
        }

        private void ComputeScores(ReadOnlySpan<float> query)
        {
            int d = _d;
            for (int j = 0; j < _passages; j++)
            {
                _scores[j] = TensorPrimitives.Dot(_corpus.AsSpan(j * d, d), query);
            }
        }

        private void MarkRelevant(int example, bool value)
        {
            foreach (int p in _relevant[example])
            {
                _mark[p] = value;
            }
        }

        private double NextGaussian()
        {
            double u1 = 1.0 - _random.NextDouble();
            double u2 = _random.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
    }
}
