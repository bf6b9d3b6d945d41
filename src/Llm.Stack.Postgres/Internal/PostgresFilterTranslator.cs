using System.Collections;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.VectorData.ProviderServices;
using Npgsql;

namespace Llm.Stack.Postgres;

/// <summary>
/// Translates a MEVD LINQ filter into a SQL condition: record properties become quoted column names, and every constant
/// or captured value becomes a positional parameter (<c>$n</c>), never text of the statement.
/// </summary>
/// <remarks>
/// Supported: <c>==</c>, <c>!=</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>, <c>&amp;&amp;</c>, <c>||</c>, <c>!</c>, a bool
/// property alone, comparisons with <see langword="null"/>, <c>Contains</c> on an array or list property, and
/// <c>Contains</c> of a property in a captured collection. Conditions follow C# semantics for missing (null) values:
/// <c>x != v</c> holds where <c>x</c> is null, and <c>!(…)</c> holds where the inner condition is unknown.
/// </remarks>
internal sealed class PostgresFilterTranslator
{
    private readonly CollectionModel _model;
    private readonly ParameterExpression _record;
    private readonly List<NpgsqlParameter> _parameters;
    private readonly StringBuilder _sql = new();

    private PostgresFilterTranslator(CollectionModel model, ParameterExpression record, List<NpgsqlParameter> parameters)
    {
        _model = model;
        _record = record;
        _parameters = parameters;
    }

    /// <summary>Translates <paramref name="filter"/>, appending its values to <paramref name="parameters"/> (numbered after those already there).</summary>
    /// <exception cref="NotSupportedException">The filter uses an expression that has no translation; the message names it.</exception>
    public static string Translate(LambdaExpression filter, CollectionModel model, List<NpgsqlParameter> parameters)
    {
        var translator = new PostgresFilterTranslator(model, filter.Parameters[0], parameters);
        translator.Condition(filter.Body);
        return translator._sql.ToString();
    }

    private void Condition(Expression node)
    {
        switch (node)
        {
            case BinaryExpression { NodeType: ExpressionType.AndAlso or ExpressionType.OrElse } logical:
                _sql.Append('(');
                Condition(logical.Left);
                _sql.Append(logical.NodeType == ExpressionType.AndAlso ? " AND " : " OR ");
                Condition(logical.Right);
                _sql.Append(')');
                return;
            case UnaryExpression { NodeType: ExpressionType.Not } not when not.Type == typeof(bool):
                _sql.Append("(NOT COALESCE(");
                Condition(not.Operand);
                _sql.Append(", FALSE))");
                return;
            case BinaryExpression { NodeType: ExpressionType.Equal or ExpressionType.NotEqual or ExpressionType.LessThan or ExpressionType.LessThanOrEqual or ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual } comparison:
                Comparison(comparison);
                return;
            case MethodCallExpression call:
                Call(call);
                return;
            case ConstantExpression { Value: bool constant }:
                _sql.Append(constant ? "TRUE" : "FALSE");
                return;
            default:
                if (node.Type == typeof(bool) && TryBindProperty(node, out PropertyModel? flag))
                {
                    _sql.Append("COALESCE(").Append(PostgresSql.Quote(flag.StorageName)).Append(", FALSE)");
                    return;
                }

                throw Unsupported(node);
        }
    }

    private void Comparison(BinaryExpression comparison)
    {
        Expression left = comparison.Left;
        Expression right = comparison.Right;
        ExpressionType op = comparison.NodeType;
        if (!TryBindProperty(left, out PropertyModel? property))
        {
            if (!TryBindProperty(right, out property))
            {
                throw Unsupported(comparison);
            }

            (left, right) = (right, left);
            op = op switch
            {
                ExpressionType.LessThan => ExpressionType.GreaterThan,
                ExpressionType.LessThanOrEqual => ExpressionType.GreaterThanOrEqual,
                ExpressionType.GreaterThan => ExpressionType.LessThan,
                ExpressionType.GreaterThanOrEqual => ExpressionType.LessThanOrEqual,
                _ => op,
            };
        }

        if (!TryEvaluate(right, out object? value))
        {
            throw Unsupported(comparison);
        }

        string column = PostgresSql.Quote(property.StorageName);
        if (value is null)
        {
            _sql.Append(op switch
            {
                ExpressionType.Equal => $"({column} IS NULL)",
                ExpressionType.NotEqual => $"({column} IS NOT NULL)",
                _ => "FALSE", // an ordering comparison with null is false in C#
            });
            return;
        }

        string sqlOperator = op switch
        {
            ExpressionType.Equal => "=",
            ExpressionType.NotEqual => "IS DISTINCT FROM",
            ExpressionType.LessThan => "<",
            ExpressionType.LessThanOrEqual => "<=",
            ExpressionType.GreaterThan => ">",
            _ => ">=",
        };
        _sql.Append('(').Append(column).Append(' ').Append(sqlOperator).Append(' ').Append(Parameter(value)).Append(')');
    }

    private void Call(MethodCallExpression call)
    {
        // Contains, as an instance method (List<T>.Contains), Enumerable.Contains or MemoryExtensions.Contains (arrays under C# 14).
        if (call.Method.Name == nameof(Enumerable.Contains))
        {
            (Expression? source, Expression? item) = call switch
            {
                { Object: not null, Arguments.Count: 1 } => (call.Object, call.Arguments[0]),
                { Object: null, Arguments.Count: 2 } when call.Method.DeclaringType == typeof(Enumerable) => (call.Arguments[0], call.Arguments[1]),
                { Object: null, Arguments.Count: 2 } when call.Method.DeclaringType == typeof(MemoryExtensions) => (UnwrapSpan(call.Arguments[0]), call.Arguments[1]),
                _ => (null, null),
            };
            if (source is not null && item is not null)
            {
                if (TryBindProperty(source, out PropertyModel? arrayProperty) && TryEvaluate(item, out object? element))
                {
                    // An array column holds the value.
                    _sql.Append(element is null
                        ? $"(array_position({PostgresSql.Quote(arrayProperty.StorageName)}, NULL) IS NOT NULL)"
                        : $"({Parameter(element)} = ANY({PostgresSql.Quote(arrayProperty.StorageName)}))");
                    return;
                }

                if (TryBindProperty(item, out PropertyModel? property) && TryEvaluate(source, out object? values))
                {
                    // The column's value is one of the captured values.
                    if (values is not IEnumerable sequence || values is string)
                    {
                        throw Unsupported(call);
                    }

                    List<object?> items = [.. sequence.Cast<object?>()];
                    string column = PostgresSql.Quote(property.StorageName);
                    bool hasNull = items.Remove(null);
                    Type columnType = Nullable.GetUnderlyingType(property.Type) ?? property.Type;
                    var array = Array.CreateInstance(columnType, items.Count);
                    for (int i = 0; i < items.Count; i++)
                    {
                        array.SetValue(PostgresTypes.ToDatabase(items[i]), i);
                    }

                    _sql.Append('(').Append(column).Append(" = ANY(").Append(Parameter(array)).Append(')');
                    if (hasNull)
                    {
                        _sql.Append(" OR ").Append(column).Append(" IS NULL");
                    }

                    _sql.Append(')');
                    return;
                }
            }
        }

        throw Unsupported(call);
    }

    private string Parameter(object value)
    {
        _parameters.Add(PostgresTypes.Parameter(value));
        return "$" + _parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Binds a record member access (<c>r.Name</c>, or <c>r["Name"]</c> of a dynamic record), through conversions, to its property.</summary>
    private bool TryBindProperty(Expression node, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PropertyModel? property)
    {
        while (node is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert)
        {
            node = convert.Operand;
        }

        string? name = node switch
        {
            MemberExpression member when member.Expression == _record => member.Member.Name,
            MethodCallExpression { Method.Name: "get_Item", Arguments: [ConstantExpression { Value: string key }] } call when call.Object == _record => key,
            _ => null,
        };
        if (name is null)
        {
            property = null;
            return false;
        }

        if (!_model.PropertyMap.TryGetValue(name, out property))
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
    private bool TryEvaluate(Expression node, out object? value)
    {
        switch (node)
        {
            case ConstantExpression constant:
                value = constant.Value;
                return true;
            case MemberExpression { Expression: null } staticMember:
                value = Read(staticMember.Member, null);
                return true;
            case MemberExpression { Expression: Expression target } member when TryEvaluate(target, out object? instance):
                value = Read(member.Member, instance);
                return true;
            case UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert when TryEvaluate(convert.Operand, out object? inner):
                value = inner;
                return true;
        }

        if (!References(node, _record))
        {
            value = Expression.Lambda(Expression.Convert(node, typeof(object))).Compile(preferInterpretation: true).DynamicInvoke();
            return true;
        }

        value = null;
        return false;
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

    private static NotSupportedException Unsupported(Expression node)
        => new($"The PostgreSQL vector store cannot translate the filter expression '{node}' ({node.NodeType}); filters support ==, !=, <, <=, >, >=, &&, ||, !, bool properties, null checks and Contains.");

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
