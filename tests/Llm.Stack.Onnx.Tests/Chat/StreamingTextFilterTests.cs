namespace Llm.Stack.Onnx.Tests.Chat;

public sealed class StreamingTextFilterTests
{
    private static (string Emitted, StreamingTextFilter Filter) Run(StreamingTextFilter filter, params string[] chunks)
    {
        var emitted = new System.Text.StringBuilder();
        foreach (string chunk in chunks)
        {
            emitted.Append(filter.Push(chunk));
            if (filter.Stopped)
            {
                break;
            }
        }

        if (!filter.Stopped)
        {
            emitted.Append(filter.Flush());
        }

        return (emitted.ToString(), filter);
    }

    [Fact]
    public void Without_stops_or_tools_text_passes_through_unchanged()
    {
        var filter = new StreamingTextFilter(null, null, false);

        Assert.Equal("ab", filter.Push("ab"));
        Assert.Equal(string.Empty, filter.Flush());
    }

    [Fact]
    public void A_stop_sequence_spread_over_three_chunks_is_caught_and_never_emitted()
    {
        var filter = new StreamingTextFilter(["STOP"], null, false);

        Assert.Equal("Hello ", filter.Push("Hello S"));
        Assert.Equal(string.Empty, filter.Push("T"));
        Assert.Equal(string.Empty, filter.Push("O"));
        Assert.Equal(string.Empty, filter.Push("P and more"));
        Assert.True(filter.Stopped);
    }

    [Fact]
    public void A_false_start_of_a_stop_sequence_is_released()
    {
        (string emitted, StreamingTextFilter filter) = Run(new StreamingTextFilter(["STOP"], null, false), "a S", "TO", "NE", " end");

        Assert.Equal("a STONE end", emitted);
        Assert.False(filter.Stopped);
    }

    [Fact]
    public void The_earliest_of_several_stop_sequences_wins()
    {
        (string emitted, _) = Run(new StreamingTextFilter(["world", "lo w", ""], null, false), "hel", "lo world");

        Assert.Equal("hel", emitted);
    }

    [Fact]
    public void Text_after_a_tool_marker_is_buffered_for_the_parser()
    {
        var filter = new StreamingTextFilter(null, "<tool_call>", false);

        Assert.Equal("ok ", filter.Push("ok <tool"));
        Assert.Equal(string.Empty, filter.Push("_call>{\"name\""));
        Assert.Equal(string.Empty, filter.Push(": \"f\"}</tool_call>"));
        Assert.Equal("<tool_call>{\"name\": \"f\"}</tool_call>", filter.ToolCallText);
    }

    [Fact]
    public void A_stop_sequence_inside_a_tool_call_truncates_it()
    {
        (_, StreamingTextFilter filter) = Run(new StreamingTextFilter(["</tool_call>"], "<tool_call>", false), "<tool_call>{}", "</tool_call> junk");

        Assert.True(filter.Stopped);
        Assert.Equal("<tool_call>{}", filter.ToolCallText);
    }

    [Fact]
    public void For_llama3_an_answer_starting_with_a_brace_is_a_tool_call_and_other_answers_stream()
    {
        var json = new StreamingTextFilter(null, "<|python_tag|>", true);
        Assert.Equal(string.Empty, json.Push("  "));
        Assert.Equal(string.Empty, json.Push("\n{\"name\""));
        Assert.Equal("  \n{\"name\"", json.ToolCallText);

        var text = new StreamingTextFilter(null, "<|python_tag|>", true);
        Assert.Equal(" Hi", text.Push(" Hi"));
        Assert.Equal(" {not a call}", text.Push(" {not a call}"));
        Assert.Null(text.ToolCallText);
    }
}
