using Llm.Stack.TestUtilities.TinyModel;

namespace Llm.Stack.Onnx.Tests.TinyModel;

/// <summary>Test classes that share the tiny models (and run one after another: the machine has 2 cores).</summary>
[CollectionDefinition(Name)]
public sealed class TinyChatModelGroup : ICollectionFixture<TinyChatModelFixture>
{
    public const string Name = "tiny chat model";
}
