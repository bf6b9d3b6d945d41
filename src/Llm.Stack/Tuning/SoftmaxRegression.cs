using System.Numerics.Tensors;

namespace Llm.Stack;

/// <summary>
/// Multinomial logistic regression fitted by L-BFGS: minimises the weighted mean cross-entropy plus
/// <c>λ/2 ‖W‖²</c> (the biases are not penalised). The objective is strictly convex, the start is zero and the
/// iteration has no randomness, so equal inputs give equal weights.
/// </summary>
internal sealed class SoftmaxRegression
{
    private const int Memory = 10;
    private const double GradientTolerance = 1e-6;

    private readonly double[] _x;
    private readonly int _d;
    private readonly int _k;
    private readonly int[] _rows;
    private readonly int[] _y;
    private readonly double[] _weight;
    private readonly double _weightSum;
    private readonly double _lambda;

    /// <param name="x">Row-major features, <paramref name="d"/> per row.</param>
    /// <param name="d">The features per row.</param>
    /// <param name="k">The number of classes.</param>
    /// <param name="rows">The rows to fit on.</param>
    /// <param name="y">Every row's class (indexed by row, not by position in <paramref name="rows"/>).</param>
    /// <param name="classWeight">Each class's weight.</param>
    /// <param name="lambda">The L2 penalty.</param>
    public SoftmaxRegression(double[] x, int d, int k, int[] rows, int[] y, double[] classWeight, double lambda)
    {
        _x = x;
        _d = d;
        _k = k;
        _rows = rows;
        _y = y;
        _lambda = lambda;
        _weight = new double[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            _weight[i] = classWeight[y[rows[i]]];
            _weightSum += _weight[i];
        }
    }

    /// <summary>The number of parameters: <c>k × d</c> weights, then <c>k</c> biases.</summary>
    public int ParameterCount => (_k * _d) + _k;

    /// <summary>Writes the logits of <paramref name="features"/> under <paramref name="parameters"/>.</summary>
    public static void Logits(ReadOnlySpan<double> parameters, ReadOnlySpan<double> features, int k, Span<double> logits)
    {
        int d = features.Length;
        for (int c = 0; c < k; c++)
        {
            logits[c] = TensorPrimitives.Dot(parameters.Slice(c * d, d), features) + parameters[(k * d) + c];
        }
    }

    /// <summary>Turns logits into probabilities in place, and returns the log of the normaliser.</summary>
    public static double Softmax(Span<double> logits)
    {
        double max = TensorPrimitives.Max<double>(logits);
        double sum = 0;
        for (int c = 0; c < logits.Length; c++)
        {
            logits[c] = Math.Exp(logits[c] - max);
            sum += logits[c];
        }

        TensorPrimitives.Divide(logits, sum, logits);
        return max + Math.Log(sum);
    }

    /// <summary>Fits the parameters from zero.</summary>
    public double[] Fit(int maxIterations, CancellationToken cancellationToken)
    {
        int n = ParameterCount;
        double[] x = new double[n];
        double[] g = new double[n];
        double f = Evaluate(x, g);
        double[][] s = new double[Memory][];
        double[][] yv = new double[Memory][];
        double[] rho = new double[Memory];
        double[] alpha = new double[Memory];
        int stored = 0;
        int head = 0;
        double[] direction = new double[n];
        double[] candidate = new double[n];
        double[] candidateGradient = new double[n];
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Math.Abs(TensorPrimitives.MaxMagnitude<double>(g)) < GradientTolerance)
            {
                break;
            }

            // Two-loop recursion: direction = -H g.
            TensorPrimitives.Negate<double>(g, direction);
            for (int j = 0; j < stored; j++)
            {
                int m = (head - 1 - j + Memory) % Memory;
                alpha[m] = rho[m] * TensorPrimitives.Dot<double>(s[m], direction);
                TensorPrimitives.MultiplyAdd<double>(yv[m], -alpha[m], direction, direction);
            }

            if (stored > 0)
            {
                int last = (head - 1 + Memory) % Memory;
                double gamma = TensorPrimitives.Dot<double>(s[last], yv[last]) / TensorPrimitives.Dot<double>(yv[last], yv[last]);
                TensorPrimitives.Multiply<double>(direction, gamma, direction);
            }

            for (int j = stored - 1; j >= 0; j--)
            {
                int m = (head - 1 - j + Memory) % Memory;
                double beta = rho[m] * TensorPrimitives.Dot<double>(yv[m], direction);
                TensorPrimitives.MultiplyAdd<double>(s[m], alpha[m] - beta, direction, direction);
            }

            double slope = TensorPrimitives.Dot<double>(g, direction);
            if (!(slope < 0))
            {
                TensorPrimitives.Negate<double>(g, direction);
                slope = -TensorPrimitives.Dot<double>(g, g);
                stored = 0;
            }

            double step = stored == 0 ? Math.Min(1.0, 1.0 / Math.Sqrt(-slope)) : 1.0;
            double fNew = double.NaN;
            bool accepted = false;
            for (int tries = 0; tries < 40; tries++)
            {
                TensorPrimitives.MultiplyAdd<double>(direction, step, x, candidate);
                fNew = Evaluate(candidate, candidateGradient);
                if (fNew <= f + (1e-4 * step * slope))
                {
                    accepted = true;
                    break;
                }

                step *= 0.5;
            }

            if (!accepted)
            {
                break;
            }

            double[] sNew = s[head] ??= new double[n];
            double[] yNew = yv[head] ??= new double[n];
            TensorPrimitives.Subtract<double>(candidate, x, sNew);
            TensorPrimitives.Subtract<double>(candidateGradient, g, yNew);
            double sy = TensorPrimitives.Dot<double>(sNew, yNew);
            if (sy > 1e-12)
            {
                rho[head] = 1 / sy;
                head = (head + 1) % Memory;
                stored = Math.Min(stored + 1, Memory);
            }

            candidate.CopyTo(x, 0);
            candidateGradient.CopyTo(g, 0);
            bool converged = Math.Abs(f - fNew) <= 1e-10 * Math.Max(1, Math.Abs(f));
            f = fNew;
            if (converged)
            {
                break;
            }
        }

        return x;
    }

    /// <summary>The objective at <paramref name="parameters"/>, with its gradient written to <paramref name="gradient"/>.</summary>
    private double Evaluate(double[] parameters, double[] gradient)
    {
        int d = _d;
        int k = _k;
        Array.Clear(gradient);
        Span<double> p = stackalloc double[k];
        double loss = 0;
        for (int i = 0; i < _rows.Length; i++)
        {
            int row = _rows[i];
            ReadOnlySpan<double> features = _x.AsSpan(row * d, d);
            Logits(parameters, features, k, p);
            double trueLogit = p[_y[row]];
            double logNormaliser = Softmax(p);
            double w = _weight[i] / _weightSum;
            loss += w * (logNormaliser - trueLogit);
            p[_y[row]] -= 1;
            for (int c = 0; c < k; c++)
            {
                double coefficient = w * p[c];
                Span<double> gc = gradient.AsSpan(c * d, d);
                TensorPrimitives.MultiplyAdd(features, coefficient, gc, gc);
                gradient[(k * d) + c] += coefficient;
            }
        }

        ReadOnlySpan<double> weights = parameters.AsSpan(0, k * d);
        Span<double> weightGradient = gradient.AsSpan(0, k * d);
        TensorPrimitives.MultiplyAdd(weights, _lambda, weightGradient, weightGradient);
        return loss + (0.5 * _lambda * TensorPrimitives.Dot(weights, weights));
    }
}
