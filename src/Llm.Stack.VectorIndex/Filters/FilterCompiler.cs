using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// Compiles a MEVD LINQ filter into a predicate over the stored values of a record, once per expression shape:
/// record property accesses become reads of the stored values and captured variables become parameters, so the
/// same filter with other captured values reuses the compiled delegate. A filter of a shape seen before
/// (<see cref="FilterShapeComparer"/>) is not rewritten: only its captured values are read.
/// </summary>
/// <remarks>
/// Supported: <c>==</c>, <c>!=</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>, <c>&amp;&amp;</c>, <c>||</c>, <c>!</c>,
/// conversions, constants and captured variables, <c>Contains</c> on arrays, lists and captured collections, and
/// <c>Any</c> (with or without a predicate). Anything else throws <see cref="NotSupportedException"/> naming the node.
/// </remarks>
internal static class FilterCompiler
{
    private static readonly MethodInfo ValueAsMethod = typeof(FilterCompiler).GetMethod(nameof(ValueAs), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo EnumerableContains = new Func<IEnumerable<object?>, object?, bool>(Enumerable.Contains).Method.GetGenericMethodDefinition();

    public static Func<object?[], bool> Compile(LambdaExpression filter, CollectionModel model, CollectionBinding binding)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (binding.FilterShapes.TryGetValue(filter, out Func<object?[], object?[], bool>? known))
        {
            Rewriter reader = Rewriter.Reader(filter.Parameters[0]);
            try
            {
                _ = reader.Visit(filter.Body);
                if (!reader.NullInCapturedChain)
                {
                    return Bind(known, reader.CapturedValues);
                }
            }
            finally
            {
                reader.Clear();
            }
        }

        var rewriter = new Rewriter(filter.Parameters[0], model, binding);
        Expression body = rewriter.Visit(filter.Body)!;
        if (body.Type != typeof(bool))
        {
            throw new NotSupportedException($"The filter must be a bool expression; got '{body.Type.Name}'.");
        }

        string shape = body.ToString();
        Func<object?[], object?[], bool> compiled = binding.Filters.GetOrAdd(
            shape,
            static (_, b) => Expression.Lambda<Func<object?[], object?[], bool>>(b, Rewriter.Values, Rewriter.Captures).Compile(preferInterpretation: false),
            body);

        // A null met on a captured chain changes how the filter rewrites, so such a filter does not stand for its shape.
        if (!rewriter.NullInCapturedChain)
        {
            _ = binding.FilterShapes.TryAdd(filter, compiled);
        }

        return Bind(compiled, rewriter.CapturedValues);
    }

    private static Func<object?[], bool> Bind(Func<object?[], object?[], bool> compiled, List<object?> capturedValues)
    {
        object?[] captures = [.. capturedValues];
        return values => compiled(values, captures);
    }

    private static T? ValueAs<T>(object? value) => value is T t ? t : default;

    /// <summary>Instantiates <see cref="ValueAs{T}"/> or <see cref="Enumerable.Contains{TSource}(IEnumerable{TSource}, TSource)"/> for a stored value's type.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2060", Justification = "Both generic methods are referenced statically and have no annotated type parameter: an instantiation needs nothing that trimming removes.")]
    private static MethodInfo Instantiate(MethodInfo definition, Type type) => definition.MakeGenericMethod(type);

    /// <summary>
    /// Rewrites a filter into the compiled form, collecting its captured values in order; or, with <c>readOnly</c>, only
    /// collects them (the nodes are returned as they are, nothing is built) for a filter whose shape is compiled already.
    /// </summary>
    private sealed class Rewriter : ExpressionVisitor
    {
        public static readonly ParameterExpression Values = Expression.Parameter(typeof(object?[]), "values");
        public static readonly ParameterExpression Captures = Expression.Parameter(typeof(object?[]), "captures");

        /// <summary>This thread's reader (a reader builds nothing and calls out to nothing, so one per thread serves every call in turn).</summary>
        [ThreadStatic]
        private static Rewriter? t_reader;

        private readonly CollectionModel? _model;
        private readonly CollectionBinding? _binding;
        private readonly bool _readOnly;
        private ParameterExpression? _record;
        private bool _inUse;
        private HashSet<ParameterExpression>? _innerParameters;

        public Rewriter(ParameterExpression record, CollectionModel model, CollectionBinding binding)
        {
            _record = record;
            _model = model;
            _binding = binding;
        }

        private Rewriter() => _readOnly = true;

        public List<object?> CapturedValues { get; } = [];

        /// <summary>Gets whether a captured chain (<c>holder.Inner.Name</c>) met a null before its end, so that the chain's start was captured instead.</summary>
        public bool NullInCapturedChain { get; private set; }

        /// <summary>Gets this thread's reader, ready for a filter of <paramref name="record"/>; <see cref="Clear"/> it after use.</summary>
        public static Rewriter Reader(ParameterExpression record)
        {
            // A captured value's getter that filters again on this thread gets a reader of its own.
            Rewriter reader = t_reader is { _inUse: false } idle ? idle : new Rewriter();
            t_reader ??= reader;
            reader._inUse = true;
            reader._record = record;
            return reader;
        }

        /// <summary>Lets go of what the last filter read, so that the reader holds no values between calls.</summary>
        public void Clear()
        {
            _record = null;
            _inUse = false;
            _innerParameters?.Clear();
            CapturedValues.Clear();
            NullInCapturedChain = false;
        }

        public override Expression? Visit(Expression? node)
        {
            if (node is null)
            {
                return null;
            }

            switch (node.NodeType)
            {
                case ExpressionType.AndAlso:
                case ExpressionType.OrElse:
                case ExpressionType.Not:
                case ExpressionType.Equal:
                case ExpressionType.NotEqual:
                case ExpressionType.LessThan:
                case ExpressionType.LessThanOrEqual:
                case ExpressionType.GreaterThan:
                case ExpressionType.GreaterThanOrEqual:
                case ExpressionType.Convert:
                case ExpressionType.ConvertChecked:
                case ExpressionType.Constant:
                case ExpressionType.MemberAccess:
                case ExpressionType.Parameter:
                case ExpressionType.Call:
                case ExpressionType.Lambda:
                case ExpressionType.Quote:
                    return base.Visit(node);
                default:
                    throw Unsupported(node);
            }
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            if (node == _record)
            {
                throw new NotSupportedException($"The filter uses the record itself ('{node.Name}') rather than one of its properties.");
            }

            return _innerParameters?.Contains(node) == true ? node : throw Unsupported(node);
        }

        protected override Expression VisitLambda<T>(Expression<T> node)
        {
            foreach (ParameterExpression p in node.Parameters)
            {
                _ = (_innerParameters ??= []).Add(p);
            }

            return base.VisitLambda(node);
        }

        protected override Expression VisitConstant(ConstantExpression node)
        {
            // Literal constants are part of the shape; closure objects are only reached through VisitMember.
            return FilterShapeComparer.IsLiteral(node) ? node : Capture(node.Value, node.Type, node);
        }

        protected override Expression VisitMember(MemberExpression node)
        {
            if (node.Expression == _record)
            {
                return StoredValue(node.Member.Name, node.Type, node);
            }

            if (TryEvaluateCaptured(node, out object? value))
            {
                return Capture(value, node.Type, node);
            }

            if (IsCapturedChain(node))
            {
                NullInCapturedChain = true;
            }

            // A member of a stored value or of an inner lambda parameter (e.g. t.Length): evaluated as written.
            return base.VisitMember(node);
        }

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            // Dynamic records: r["Name"].
            if (node.Object == _record && node.Method.Name == "get_Item" && node.Arguments is [ConstantExpression { Value: string name }])
            {
                return StoredValue(name, node.Type, node);
            }

            MethodInfo method = node.Method;
            if (method.Name == nameof(Enumerable.Contains))
            {
                // C# 14 binds array.Contains(x) in expression trees to MemoryExtensions.Contains(span, x): take the array back.
                if (method.DeclaringType == typeof(MemoryExtensions) && node.Arguments.Count == 2 && UnwrapSpan(node.Arguments[0]) is Expression source)
                {
                    Type element = node.Arguments[1].Type;
                    Expression items = Visit(source)!;
                    Expression item = Visit(node.Arguments[1])!;
                    return _readOnly ? node : Expression.Call(Instantiate(EnumerableContains, element), items, item);
                }

                if ((method.DeclaringType == typeof(Enumerable) && node.Arguments.Count == 2)
                    || (node.Object is not null && node.Object.Type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(node.Object.Type) && node.Arguments.Count == 1))
                {
                    return base.VisitMethodCall(node);
                }
            }

            if (method.DeclaringType == typeof(Enumerable) && method.Name == nameof(Enumerable.Any) && node.Arguments.Count is 1 or 2)
            {
                return base.VisitMethodCall(node);
            }

            throw Unsupported(node);
        }

        private static Expression? UnwrapSpan(Expression e) => e switch
        {
            MethodCallExpression { Method.Name: "op_Implicit", Arguments: [Expression inner] } when inner.Type.IsArray => inner,
            UnaryExpression { NodeType: ExpressionType.Convert, Operand: Expression inner } when inner.Type.IsArray => inner,
            _ => null,
        };

        private static NotSupportedException Unsupported(Expression node)
            => new($"The in-memory vector store cannot evaluate the filter node '{node.NodeType}' ({node}).");

        /// <summary>Whether a member chain starts at a constant or a static member (it is captured unless a null is met on the way).</summary>
        private static bool IsCapturedChain(Expression? e) => e switch
        {
            ConstantExpression => true,
            MemberExpression { Expression: null } => true,
            MemberExpression m => IsCapturedChain(m.Expression),
            _ => false,
        };

        private static bool TryEvaluateCaptured(Expression? e, out object? value)
        {
            switch (e)
            {
                case ConstantExpression c:
                    value = c.Value;
                    return true;
                case MemberExpression m when m.Expression is null:
                    value = GetMember(m.Member, null);
                    return true;
                case MemberExpression m when TryEvaluateCaptured(m.Expression, out object? target):
                    value = target is null ? null : GetMember(m.Member, target);
                    return target is not null;
                default:
                    value = null;
                    return false;
            }
        }

        private static object? GetMember(MemberInfo member, object? target) => member switch
        {
            FieldInfo f => f.GetValue(target),
            PropertyInfo p => p.GetValue(target),
            _ => throw new NotSupportedException($"The filter reads member '{member.Name}', which is neither a field nor a property."),
        };

        private Expression Capture(object? value, Type type, Expression node)
        {
            int index = CapturedValues.Count;
            CapturedValues.Add(value);
            return _readOnly ? node : Expression.Call(Instantiate(ValueAsMethod, type), Expression.ArrayIndex(Captures, Expression.Constant(index)));
        }

        private Expression StoredValue(string name, Type type, Expression node)
        {
            if (_readOnly)
            {
                return node;
            }

            CollectionModel model = _model!;
            CollectionBinding binding = _binding!;

            PropertyModel? property = model.Properties.FirstOrDefault(p => p.PropertyInfo?.Name == name)
                ?? (model.PropertyMap.TryGetValue(name, out PropertyModel? byName) ? byName : null);
            int index = property switch
            {
                KeyPropertyModel => binding.Data.Schema.KeyIndex,
                DataPropertyModel d => binding.DataColumns[IndexOf(model.DataProperties, d)],
                VectorPropertyModel => throw new NotSupportedException($"The filter reads vector property '{name}'; filters can read only the key and data properties."),
                _ => throw new NotSupportedException($"The filter reads '{name}' ({node}), which is not a property of the collection's record definition."),
            };
            return Expression.Call(Instantiate(ValueAsMethod, type), Expression.ArrayIndex(Values, Expression.Constant(index)));
        }

        private static int IndexOf(IReadOnlyList<DataPropertyModel> list, DataPropertyModel item)
        {
            for (int i = 0; i < list.Count; i++)
            {
                if (ReferenceEquals(list[i], item))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
