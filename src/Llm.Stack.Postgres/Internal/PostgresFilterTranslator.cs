using System.Collections;
using System.Linq.Expressions;
using System.Text;
using Llm.Stack.VectorIndex;
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
        if (!FilterExpressions.TryBindComparison(comparison, _record, _model, out PropertyModel? property, out ExpressionType op, out object? value))
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
        if (FilterExpressions.TryGetContains(call, out Expression? source, out Expression? item))
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

        throw Unsupported(call);
    }

    private string Parameter(object value)
    {
        _parameters.Add(PostgresTypes.Parameter(value));
        return "$" + _parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private bool TryBindProperty(Expression node, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PropertyModel? property)
        => FilterExpressions.TryBindProperty(node, _record, _model, out property);

    private bool TryEvaluate(Expression node, out object? value) => FilterExpressions.TryEvaluate(node, _record, out value);

    private static NotSupportedException Unsupported(Expression node)
        => new($"The PostgreSQL vector store cannot translate the filter expression '{node}' ({node.NodeType}); filters support ==, !=, <, <=, >, >=, &&, ||, !, bool properties, null checks and Contains.");
}
