using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.VectorIndex;

/// <summary>
/// The parts of translating a MEVD LINQ filter that every server connector shares: binding record member accesses to
/// properties, evaluating the parts that do not depend on the record (constants, captured variables), recognising the
/// forms of <c>Contains</c>, and mirroring a comparison whose property is on the right. Each connector writes its own target
/// (SQL, a Chroma <c>where</c>) from these.
/// </summary>
internal static class FilterExpressions
{
    /// <summary>Binds a record member access (<c>r.Name</c>, or <c>r["Name"]</c> of a dynamic record), through conversions, to its property.</summary>
    /// <exception cref="InvalidOperationException">The name is not a property of the record.</exception>
    /// <exception cref="NotSupportedException">The property is a vector property.</exception>
    public static bool TryBindProperty(Expression node, ParameterExpression record, CollectionModel model, [NotNullWhen(true)] out PropertyModel? property)
    {
        while (node is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert)
        {
            node = convert.Operand;
        }

        string? name = node switch
        {
            MemberExpression member when member.Expression == record => member.Member.Name,
            MethodCallExpression { Method.Name: "get_Item", Arguments: [ConstantExpression { Value: string key }] } call when call.Object == record => key,
            _ => null,
        };
        if (name is null)
        {
            property = null;
            return false;
        }

        if (!model.PropertyMap.TryGetValue(name, out property))
        {
            throw new InvalidOperationException($"The filter uses '{name}', which is not a property of the record.");
        }

        if (property is VectorPropertyModel)
        {
            throw new NotSupportedException($"The filter uses the vector property '{name}'; filters compare key and data properties.");
        }

        return true;
    }

    /// <summary>Evaluates an expression that does not depend on the record: a constant, a captured variable, or a computation over them.</summary>
    public static bool TryEvaluate(Expression node, ParameterExpression record, out object? value)
    {
        switch (node)
        {
            case ConstantExpression constant:
                value = constant.Value;
                return true;
            case MemberExpression { Expression: null } staticMember:
                value = Read(staticMember.Member, null);
                return true;
            case MemberExpression { Expression: Expression target } member when TryEvaluate(target, record, out object? instance):
                value = Read(member.Member, instance);
                return true;
            case UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert when TryEvaluate(convert.Operand, record, out object? inner):
                value = inner;
                return true;
        }

        if (!References(node, record))
        {
            value = Expression.Lambda(Expression.Convert(node, typeof(object))).Compile(preferInterpretation: true).DynamicInvoke();
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>
    /// Recognises <c>Contains</c> as an instance method (<c>List&lt;T&gt;.Contains</c>), <c>Enumerable.Contains</c> or
    /// <c>MemoryExtensions.Contains</c> (arrays under C# 14), giving its collection and its item.
    /// </summary>
    public static bool TryGetContains(MethodCallExpression call, [NotNullWhen(true)] out Expression? source, [NotNullWhen(true)] out Expression? item)
    {
        (source, item) = call.Method.Name != nameof(Enumerable.Contains) ? (null, null) : call switch
        {
            { Object: not null, Arguments.Count: 1 } => (call.Object, call.Arguments[0]),
            { Object: null, Arguments.Count: 2 } when call.Method.DeclaringType == typeof(Enumerable) => (call.Arguments[0], call.Arguments[1]),
            { Object: null, Arguments.Count: 2 } when call.Method.DeclaringType == typeof(MemoryExtensions) => (UnwrapSpan(call.Arguments[0]), call.Arguments[1]),
            _ => (null, null),
        };
        return source is not null && item is not null;
    }

    /// <summary>The comparison with its operands swapped: <c>a &lt; b</c> is <c>b &gt; a</c>.</summary>
    public static ExpressionType Mirror(ExpressionType op) => op switch
    {
        ExpressionType.LessThan => ExpressionType.GreaterThan,
        ExpressionType.LessThanOrEqual => ExpressionType.GreaterThanOrEqual,
        ExpressionType.GreaterThan => ExpressionType.LessThan,
        ExpressionType.GreaterThanOrEqual => ExpressionType.LessThanOrEqual,
        _ => op,
    };

    /// <summary>Binds a comparison to (property, operator, value), mirroring it when the property is on the right; false when neither side is a property or the other side depends on the record.</summary>
    public static bool TryBindComparison(BinaryExpression comparison, ParameterExpression record, CollectionModel model, [NotNullWhen(true)] out PropertyModel? property, out ExpressionType op, out object? value)
    {
        Expression left = comparison.Left, right = comparison.Right;
        op = comparison.NodeType;
        if (!TryBindProperty(left, record, model, out property))
        {
            if (!TryBindProperty(right, record, model, out property))
            {
                value = null;
                return false;
            }

            (left, right) = (right, left);
            op = Mirror(op);
        }

        return TryEvaluate(right, record, out value);
    }

    private static object? Read(MemberInfo member, object? instance) => member switch
    {
        FieldInfo field => field.GetValue(instance),
        PropertyInfo property => property.GetValue(instance),
        _ => throw new NotSupportedException($"The filter reads '{member.Name}', which is neither a field nor a property."),
    };

    private static bool References(Expression node, ParameterExpression parameter)
    {
        var finder = new ParameterFinder(parameter);
        _ = finder.Visit(node);
        return finder.Found;
    }

    private static Expression? UnwrapSpan(Expression e) => e switch
    {
        MethodCallExpression { Method.Name: "op_Implicit", Arguments: [Expression inner] } when inner.Type.IsArray => inner,
        UnaryExpression { NodeType: ExpressionType.Convert, Operand: Expression inner } when inner.Type.IsArray => inner,
        _ => null,
    };

    private sealed class ParameterFinder(ParameterExpression parameter) : ExpressionVisitor
    {
        public bool Found { get; private set; }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            Found |= node == parameter;
            return node;
        }
    }
}
