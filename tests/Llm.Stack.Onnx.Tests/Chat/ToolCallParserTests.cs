using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Onnx.Tests.Chat;

public sealed class ToolCallParserTests
{
    private static (string Remainder, List<FunctionCallContent> Calls) Parse(string text, ToolCallFormat format)
    {
        int n = 0;
        var calls = new List<FunctionCallContent>();
        string rest = ToolCallParser.Parse(text, format, () => "id" + n++, calls);
        return (rest, calls);
    }

    private static string Arg(FunctionCallContent call, string name) => ((JsonElement)call.Arguments![name]!).GetRawText();

    [Fact]
    public void Hermes_blocks_become_calls_in_order()
    {
        (string rest, List<FunctionCallContent> calls) = Parse(
            "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}\n</tool_call>\n<tool_call>{\"name\": \"get_time\", \"arguments\": {}}</tool_call>",
            ToolCallFormat.Hermes);

        Assert.Equal(string.Empty, rest);
        Assert.Equal(["get_weather", "get_time"], calls.Select(c => c.Name));
        Assert.Equal(["id0", "id1"], calls.Select(c => c.CallId));
        Assert.Equal("\"Paris\"", Arg(calls[0], "city"));
        Assert.Equal("2", Arg(calls[0], "days"));
        Assert.Empty(calls[1].Arguments!);
        Assert.All(calls, c => Assert.Null(c.Exception));
    }

    [Fact]
    public void Hermes_accepts_arguments_as_a_json_string_and_an_unclosed_last_block()
    {
        (string rest, List<FunctionCallContent> calls) = Parse("<tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"x\\\": [1, 2]}\"}", ToolCallFormat.Hermes);

        Assert.Equal(string.Empty, rest);
        Assert.Equal("[1, 2]", Arg(Assert.Single(calls), "x"));
    }

    [Fact]
    public void Hermes_malformed_json_stays_text_and_well_formed_neighbours_still_parse()
    {
        string malformed = "<tool_call>{\"name\": \"f\", \"arguments\": {\"x\": }</tool_call>";
        (string rest, List<FunctionCallContent> calls) = Parse(malformed + "<tool_call>{\"name\": \"g\"}</tool_call>", ToolCallFormat.Hermes);

        Assert.Equal(malformed, rest);
        Assert.Equal("g", Assert.Single(calls).Name);
    }

    [Fact]
    public void A_call_without_a_name_is_not_a_call()
    {
        (string rest, List<FunctionCallContent> calls) = Parse("<tool_call>{\"arguments\": {}}</tool_call>", ToolCallFormat.Hermes);

        Assert.Empty(calls);
        Assert.Equal("<tool_call>{\"arguments\": {}}</tool_call>", rest);
    }

    [Fact]
    public void Arguments_that_are_not_an_object_become_a_call_with_an_exception_for_the_function_invoker()
    {
        (_, List<FunctionCallContent> calls) = Parse("<tool_call>{\"name\": \"f\", \"arguments\": [1]}</tool_call>", ToolCallFormat.Hermes);

        FunctionCallContent call = Assert.Single(calls);
        Assert.IsType<InvalidOperationException>(call.Exception);
        Assert.Empty(call.Arguments!);
    }

    [Fact]
    public void Llama3_json_with_parameters_is_a_call()
    {
        (string rest, List<FunctionCallContent> calls) = Parse(" {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}", ToolCallFormat.Llama3Json);

        Assert.Equal(string.Empty, rest);
        Assert.Equal("\"Oslo\"", Arg(Assert.Single(calls), "city"));
    }

    [Fact]
    public void Llama3_python_tag_and_semicolon_separated_calls_are_parsed()
    {
        (string rest, List<FunctionCallContent> calls) = Parse(
            "<|python_tag|>{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"k\": true}}",
            ToolCallFormat.Llama3Json);

        Assert.Equal(string.Empty, rest);
        Assert.Equal(["a", "b"], calls.Select(c => c.Name));
        Assert.Equal("true", Arg(calls[1], "k"));
    }

    [Fact]
    public void Llama3_malformed_json_or_json_that_is_not_a_call_stays_text()
    {
        (string rest1, List<FunctionCallContent> calls1) = Parse("{\"name\": \"a\", \"parameters\": {", ToolCallFormat.Llama3Json);
        (string rest2, List<FunctionCallContent> calls2) = Parse("{\"answer\": 42}", ToolCallFormat.Llama3Json);
        (string rest3, List<FunctionCallContent> calls3) = Parse("{\"name\": \"a\"}; {oops}", ToolCallFormat.Llama3Json);

        Assert.Empty(calls1);
        Assert.Equal("{\"name\": \"a\", \"parameters\": {", rest1);
        Assert.Empty(calls2);
        Assert.Equal("{\"answer\": 42}", rest2);
        Assert.Empty(calls3);
        Assert.Equal("{\"name\": \"a\"}; {oops}", rest3);
    }

    [Fact]
    public void Phi_tool_call_lists_are_parsed()
    {
        (string rest, List<FunctionCallContent> calls) = Parse(
            "<|tool_call|>[{\"name\": \"a\", \"arguments\": {\"n\": 1}}, {\"name\": \"b\", \"arguments\": {}}]<|/tool_call|>",
            ToolCallFormat.Phi);

        Assert.Equal(string.Empty, rest);
        Assert.Equal(["a", "b"], calls.Select(c => c.Name));
        Assert.Equal("1", Arg(calls[0], "n"));
    }

    [Fact]
    public void Phi_single_object_and_malformed_lists()
    {
        (_, List<FunctionCallContent> single) = Parse("<|tool_call|>{\"name\": \"a\", \"arguments\": {}}<|/tool_call|>", ToolCallFormat.Phi);
        (string rest, List<FunctionCallContent> none) = Parse("<|tool_call|>[{\"name\": \"a\"}, {\"nom\": 1}]<|/tool_call|>", ToolCallFormat.Phi);

        Assert.Equal("a", Assert.Single(single).Name);
        Assert.Empty(none);
        Assert.Equal("<|tool_call|>[{\"name\": \"a\"}, {\"nom\": 1}]<|/tool_call|>", rest);
    }

    [Fact]
    public void Format_none_parses_nothing()
    {
        (string rest, List<FunctionCallContent> calls) = Parse("<tool_call>{\"name\": \"a\"}</tool_call>", ToolCallFormat.None);

        Assert.Empty(calls);
        Assert.Equal("<tool_call>{\"name\": \"a\"}</tool_call>", rest);
    }

    [Theory]
    [InlineData(ToolCallFormat.Hermes)]
    [InlineData(ToolCallFormat.Llama3Json)]
    [InlineData(ToolCallFormat.Phi)]
    public void Rendered_calls_parse_back_to_the_same_calls(ToolCallFormat format)
    {
        FunctionCallContent[] original =
        [
            new("x", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris", ["days"] = 3 }),
            new("y", "get_time", new Dictionary<string, object?>()),
        ];

        (string rest, List<FunctionCallContent> calls) = Parse(ToolCallConventions.RenderCalls(format, original), format);

        Assert.Equal(string.Empty, rest);
        Assert.Equal(["get_weather", "get_time"], calls.Select(c => c.Name));
        Assert.Equal("\"Paris\"", Arg(calls[0], "city"));
        Assert.Equal("3", Arg(calls[0], "days"));
    }
}
