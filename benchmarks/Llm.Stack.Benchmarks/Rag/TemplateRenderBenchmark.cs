using BenchmarkDotNet.Attributes;
using Llm.Stack;
using Microsoft.Extensions.AI;

namespace Llm.Stack.Benchmarks.Rag;

/// <summary>
/// Renders a parsed ~1 KB template with 10 variables into two chat messages: <see cref="Render"/> with the same
/// values each time (both blocks reuse their last rendering), <see cref="RenderNewQuestion"/> with the question
/// changing on every call (the system block is reused, the user block is rendered).
/// </summary>
[MemoryDiagnoser]
public class TemplateRenderBenchmark
{
    private PromptTemplate _template = null!;
    private Dictionary<string, object?> _arguments = null!;
    private Dictionary<string, object?>[] _questions = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        string filler = "Follow the house style: short sentences, plain words, no jargon, and cite the sources you use. ";
        string text =
            "{{#message role=\"system\"}}\nYou are {{assistant}}, a helpful assistant for {{company}}. " + filler + filler + filler +
            "Answer in {{language}} with a {{tone}} tone.\n{{/message}}\n" +
            "{{#message role=\"user\"}}\nCustomer {{customer}} (plan {{plan}}, since {{since}}) asks about {{product}}. " + filler + filler + filler +
            "Order {{order}}. Question: {{question}}\n{{/message}}\n";
        _template = PromptTemplate.Parse(text);
        _arguments = new Dictionary<string, object?>
        {
            ["assistant"] = "Ada", ["company"] = "Contoso", ["language"] = "English", ["tone"] = "friendly",
            ["customer"] = "Grace Hopper", ["plan"] = "Pro", ["since"] = 2019, ["product"] = "the widget",
            ["order"] = "A-12345", ["question"] = "When will my order arrive?",
        };
        _questions =
        [
            new Dictionary<string, object?>(_arguments) { ["question"] = "Where is my order A-12345 now?" },
            new Dictionary<string, object?>(_arguments) { ["question"] = "Can I change the delivery address?" },
        ];
        TemplateLength = text.Length;
    }

    public int TemplateLength { get; private set; }

    [Benchmark]
    public IReadOnlyList<ChatMessage> Render() => _template.Render(_arguments);

    [Benchmark]
    public IReadOnlyList<ChatMessage> RenderNewQuestion() => _template.Render(_questions[_next++ & 1]);
}
