using System.Collections;
using System.Linq.Expressions;
using System.Text.Json;
using Llm.Stack.VectorIndex;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace Llm.Stack.Chroma;

/// <summary>
/// Translates a MEVD LINQ filter into a Chroma <c>where</c> clause (<c>$eq $ne $gt $gte $lt $lte $in $nin $and $or</c>).
/// Values are written as JSON values by <see cref="Utf8JsonWriter"/>, never spliced into text, and every key is a
/// property's storage name or one of its flags (<see cref="ChromaValues"/>).
/// </summary>
/// <remarks>
/// Chroma has no <c>$not</c>: a negation is pushed down to the comparisons (De Morgan; <c>$eq</c>↔<c>$ne</c>,
/// <c>$lt</c>↔<c>$gte</c>, <c>$in</c>↔<c>$nin</c>). C# semantics for null hold: <c>$ne</c> and <c>$nin</c> match a record
/// without the key, as <c>x != v</c> holds where <c>x</c> is null; a negated ordering comparison of a nullable property
/// also matches its null flag; <c>x == null</c> matches the null flag.
/// </remarks>
internal sealed class ChromaFilterTranslator
{
    private readonly CollectionModel _model;
    private readonly ParameterExpression _record;

    private ChromaFilterTranslator(CollectionModel model, ParameterExpression record)
    {
        _model = model;
        _record = record;
    }

    /// <summary>A node of a <c>where</c> clause.</summary>
    internal abstract class Where
    {
        public abstract void Write(Utf8JsonWriter writer);
    }

    /// <summary>Translates <paramref name="filter"/>; <see langword="null"/> when it holds for every record (<c>r =&gt; true</c>).</summary>
    /// <exception cref="NotSupportedException">The filter uses an expression that has no translation; the message names it.</exception>
    public static Where? Translate(LambdaExpression filter, CollectionModel model)
    {
        if (filter.Body is ConstantExpression { Value: true })
        {
            return null;
        }

        return new ChromaFilterTranslator(model, filter.Parameters[0]).Condition(filter.Body, negated: false);
    }

    private Where Condition(Expression node, bool negated)
    {
        switch (node)
        {
            case BinaryExpression { NodeType: ExpressionType.AndAlso or ExpressionType.OrElse } logical:
                // De Morgan under a negation.
                bool and = (logical.NodeType == ExpressionType.AndAlso) != negated;
                return new Logical(and ? "$and" : "$or", [Condition(logical.Left, negated), Condition(logical.Right, negated)]);
            case UnaryExpression { NodeType: ExpressionType.Not } not when not.Type == typeof(bool):
                return Condition(not.Operand, !negated);
            case BinaryExpression { NodeType: ExpressionType.Equal or ExpressionType.NotEqual or ExpressionType.LessThan or ExpressionType.LessThanOrEqual or ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual } comparison:
                return Comparison(comparison, negated);
            case MethodCallExpression call:
                return Call(call, negated);
            case ConstantExpression { Value: bool constant }:
                return constant != negated ? Always(true) : Always(false);
            default:
                if (node.Type == typeof(bool) && FilterExpressions.TryBindProperty(node, _record, _model, out PropertyModel? flag))
                {
                    // A bool property alone: true matches, false and null do not.
                    return new Compare(flag.StorageName, negated ? "$ne" : "$eq", true);
                }

                throw Unsupported(node);
        }
    }

    private Where Comparison(BinaryExpression comparison, bool negated)
    {
        if (!FilterExpressions.TryBindComparison(comparison, _record, _model, out PropertyModel? property, out ExpressionType op, out object? value))
        {
            throw Unsupported(comparison);
        }

        if (value is null)
        {
            return op switch
            {
                ExpressionType.Equal => new Compare(ChromaValues.NullKey(property.StorageName), negated ? "$ne" : "$eq", true),
                ExpressionType.NotEqual => new Compare(ChromaValues.NullKey(property.StorageName), negated ? "$eq" : "$ne", true),
                _ => Always(negated), // an ordering comparison with null is false in C#
            };
        }

        if (ChromaValues.ElementType(property.Type) is not null)
        {
            throw new NotSupportedException($"The filter compares the list property '{property.ModelName}' with a value; the Chroma vector store filters lists with Contains only.");
        }

        string chromaOperator = (op, negated) switch
        {
            (ExpressionType.Equal, false) or (ExpressionType.NotEqual, true) => "$eq",
            (ExpressionType.NotEqual, false) or (ExpressionType.Equal, true) => "$ne",
            (ExpressionType.LessThan, false) or (ExpressionType.GreaterThanOrEqual, true) => "$lt",
            (ExpressionType.LessThanOrEqual, false) or (ExpressionType.GreaterThan, true) => "$lte",
            (ExpressionType.GreaterThan, false) or (ExpressionType.LessThanOrEqual, true) => "$gt",
            _ => "$gte",
        };
        if (chromaOperator is "$lt" or "$lte" or "$gt" or "$gte" && value is string or bool or Guid)
        {
            throw new NotSupportedException($"The filter orders the {value.GetType().Name} property '{property.ModelName}'; Chroma compares only numbers (and dates) with <, <=, > and >=.");
        }

        Where compare = new Compare(property.StorageName, chromaOperator, value);

        // !(x < v) holds in C# where x is null; the ordering operator does not match a missing key.
        return negated && op is not (ExpressionType.Equal or ExpressionType.NotEqual) && ChromaValues.IsNullable(property.Type)
            ? new Logical("$or", [compare, new Compare(ChromaValues.NullKey(property.StorageName), "$eq", true)])
            : compare;
    }

    private Where Call(MethodCallExpression call, bool negated)
    {
        if (FilterExpressions.TryGetContains(call, out Expression? source, out Expression? item))
        {
            if (FilterExpressions.TryBindProperty(source, _record, _model, out PropertyModel? listProperty) && FilterExpressions.TryEvaluate(item, _record, out object? element))
            {
                // A list property holds the value: its member flag.
                return new Compare(ChromaValues.MemberKey(listProperty.StorageName, element), negated ? "$ne" : "$eq", true);
            }

            if (FilterExpressions.TryBindProperty(item, _record, _model, out PropertyModel? property) && FilterExpressions.TryEvaluate(source, _record, out object? values))
            {
                // The property's value is one of the captured values.
                if (values is not IEnumerable sequence || values is string)
                {
                    throw Unsupported(call);
                }

                List<object?> items = [.. sequence.Cast<object?>().Distinct()];
                bool hasNull = items.Remove(null);
                Where? inList = items.Count == 0 ? null : new InList(property.StorageName, negated ? "$nin" : "$in", items!);
                if (!hasNull)
                {
                    return inList ?? Always(negated);
                }

                Where isNull = new Compare(ChromaValues.NullKey(property.StorageName), negated ? "$ne" : "$eq", true);
                return inList is null ? isNull : new Logical(negated ? "$and" : "$or", [inList, isNull]);
            }
        }

        throw Unsupported(call);
    }

    /// <summary>A condition that always (or never) holds: the key's null flag, which no record has.</summary>
    private Compare Always(bool value) => new(ChromaValues.NullKey(_model.KeyProperty.StorageName), value ? "$ne" : "$eq", true);

    private static NotSupportedException Unsupported(Expression node)
        => new($"The Chroma vector store cannot translate the filter expression '{node}' ({node.NodeType}); filters support ==, !=, <, <=, >, >=, &&, ||, !, bool properties, null checks and Contains.");

    private sealed class Logical(string op, Where[] operands) : Where
    {
        public override void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteStartArray(op);
            foreach (Where operand in operands)
            {
                operand.Write(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }

    private sealed class Compare(string key, string op, object value) : Where
    {
        public override void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteStartObject(key);
            writer.WritePropertyName(op);
            ChromaValues.WriteScalar(writer, value, $"The filter value for '{key}'");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
    }

    private sealed class InList(string key, string op, List<object> values) : Where
    {
        public override void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteStartObject(key);
            writer.WriteStartArray(op);
            foreach (object value in values)
            {
                ChromaValues.WriteScalar(writer, value, $"The filter value for '{key}'");
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
    }
}
