using System.Linq.Expressions;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// Compares MEVD filters by shape, on the filters as written: the same nodes, types, members, methods, parameters and
/// literal constants, while captured values (closure objects and other non-literal constants) compare by type only. A
/// filter written once in the code and run again with other captured values is of the same shape, so that
/// <see cref="FilterCompiler"/> finds its compiled predicate without rewriting and printing the expression again.
/// </summary>
/// <remarks>
/// Two filters of one shape rewrite to the same predicate unless a captured chain meets a <see langword="null"/> on the
/// way (<c>holder.Inner.Name</c> with <c>Inner</c> null), which the compiler checks for itself. Node kinds the compiler
/// does not support compare by kind and type only: such a filter never compiles, so no shape of it is ever stored.
/// Stateless and thread-safe.
/// </remarks>
internal sealed class FilterShapeComparer : IEqualityComparer<LambdaExpression>
{
    /// <summary>The one instance.</summary>
    public static readonly FilterShapeComparer Instance = new();

    private FilterShapeComparer()
    {
    }

    /// <summary>Whether a constant is part of a filter's shape (a literal), rather than a captured value; the same test as the compiler's.</summary>
    public static bool IsLiteral(ConstantExpression node) =>
        node.Value is null || node.Type.IsPrimitive || node.Type == typeof(string) || node.Type.IsEnum || node.Type == typeof(decimal)
        || node.Type == typeof(Guid) || node.Type == typeof(DateTime) || node.Type == typeof(DateTimeOffset);

    /// <inheritdoc />
    public bool Equals(LambdaExpression? x, LambdaExpression? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null || x.Type != y.Type || x.Parameters.Count != 1 || y.Parameters.Count != 1)
        {
            return false;
        }

        var scope = new Scope(x.Parameters[0], y.Parameters[0]);
        return Same(x.Body, y.Body, ref scope);
    }

    /// <inheritdoc />
    public int GetHashCode(LambdaExpression obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var hash = new HashCode();
        hash.Add(obj.Type);
        Hash(obj.Body, ref hash);
        return hash.ToHashCode();
    }

    private static void Hash(Expression? node, ref HashCode hash)
    {
        if (node is null)
        {
            hash.Add(-1);
            return;
        }

        hash.Add((int)node.NodeType);
        hash.Add(node.Type);
        switch (node)
        {
            case BinaryExpression binary:
                hash.Add(binary.Method?.MetadataToken);
                Hash(binary.Left, ref hash);
                Hash(binary.Right, ref hash);
                break;
            case UnaryExpression unary:
                hash.Add(unary.Method?.MetadataToken);
                Hash(unary.Operand, ref hash);
                break;
            case ConstantExpression constant when IsLiteral(constant):
                hash.Add(constant.Value);
                break;
            case MemberExpression member:
                hash.Add(member.Member.MetadataToken);
                Hash(member.Expression, ref hash);
                break;
            case MethodCallExpression call:
                hash.Add(call.Method.MetadataToken);
                Hash(call.Object, ref hash);
                for (int i = 0; i < call.Arguments.Count; i++)
                {
                    Hash(call.Arguments[i], ref hash);
                }

                break;
            case LambdaExpression lambda:
                hash.Add(lambda.Parameters.Count);
                Hash(lambda.Body, ref hash);
                break;
        }
    }

    private static bool Same(Expression? x, Expression? y, ref Scope scope)
    {
        if (x is null || y is null)
        {
            return x is null && y is null;
        }

        if (x.NodeType != y.NodeType || x.Type != y.Type)
        {
            return false;
        }

        switch (x)
        {
            case BinaryExpression bx:
                var by = (BinaryExpression)y;
                return bx.Method == by.Method && bx.IsLiftedToNull == by.IsLiftedToNull && bx.Conversion is null && by.Conversion is null
                    && Same(bx.Left, by.Left, ref scope) && Same(bx.Right, by.Right, ref scope);
            case UnaryExpression ux:
                var uy = (UnaryExpression)y;
                return ux.Method == uy.Method && Same(ux.Operand, uy.Operand, ref scope);
            case ConstantExpression cx:
                var cy = (ConstantExpression)y;
                bool literal = IsLiteral(cx);
                return literal == IsLiteral(cy) && (!literal || Equals(cx.Value, cy.Value));
            case MemberExpression mx:
                var my = (MemberExpression)y;
                return mx.Member == my.Member && Same(mx.Expression, my.Expression, ref scope);
            case ParameterExpression px:
                int index = scope.IndexOf(px, left: true);
                return index >= 0 && index == scope.IndexOf((ParameterExpression)y, left: false);
            case MethodCallExpression callX:
                var callY = (MethodCallExpression)y;
                if (callX.Method != callY.Method || callX.Arguments.Count != callY.Arguments.Count || !Same(callX.Object, callY.Object, ref scope))
                {
                    return false;
                }

                for (int i = 0; i < callX.Arguments.Count; i++)
                {
                    if (!Same(callX.Arguments[i], callY.Arguments[i], ref scope))
                    {
                        return false;
                    }
                }

                return true;
            case LambdaExpression lx:
                var ly = (LambdaExpression)y;
                if (lx.Parameters.Count != ly.Parameters.Count)
                {
                    return false;
                }

                for (int i = 0; i < lx.Parameters.Count; i++)
                {
                    if (lx.Parameters[i].Type != ly.Parameters[i].Type)
                    {
                        return false;
                    }

                    scope.Push(lx.Parameters[i], ly.Parameters[i]);
                }

                return Same(lx.Body, ly.Body, ref scope);
            default:
                return false;
        }
    }

    /// <summary>The parameters in scope on each side, matched by position: the record first, then those of inner lambdas.</summary>
    private struct Scope(ParameterExpression x, ParameterExpression y)
    {
        private List<ParameterExpression>? _inner;

        public void Push(ParameterExpression left, ParameterExpression right)
        {
            (_inner ??= []).Add(left);
            _inner.Add(right);
        }

        public readonly int IndexOf(ParameterExpression parameter, bool left)
        {
            if (parameter == (left ? x : y))
            {
                return 0;
            }

            if (_inner is not null)
            {
                for (int i = left ? 0 : 1; i < _inner.Count; i += 2)
                {
                    if (_inner[i] == parameter)
                    {
                        return 1 + (i / 2);
                    }
                }
            }

            return -1;
        }
    }
}
