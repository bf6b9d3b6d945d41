using System.Runtime.InteropServices;
using Llm.Stack.TestUtilities;

namespace Llm.Stack.Cli.Tests;

/// <summary>What a build of the CLI writes to disk: the natives of the building machine's platform only.</summary>
public sealed class BuildOutputTests
{
    [Fact]
    public void The_CLI_build_output_carries_the_ONNX_Runtime_natives_of_this_platform_only()
    {
        // This test's output folder is bin/<Configuration>/<TargetFramework>; the CLI, built through the project
        // reference, has the same configuration and framework.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string cli = Path.Combine(RepositoryPaths.Root(), "samples", "Llm.Stack.Cli", "bin", output.Parent!.Name, output.Name);
        Assert.True(File.Exists(Path.Combine(cli, "llmstack.dll")), "no CLI build in " + cli);

        string platform = RuntimeInformation.RuntimeIdentifier;
        string[] natives = Directory.Exists(Path.Combine(cli, "runtimes"))
            ? Directory.GetFiles(Path.Combine(cli, "runtimes"), "*", SearchOption.AllDirectories)
            : [];
        Assert.Contains(natives, f => Path.GetFileName(f).Contains("onnxruntime", StringComparison.Ordinal));
        Assert.All(natives, f => Assert.Equal(platform, Path.GetRelativePath(Path.Combine(cli, "runtimes"), f).Split(Path.DirectorySeparatorChar)[0]));

        // The test project itself keeps only this platform's natives too (Directory.Build.targets).
        Assert.All(
            Directory.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes")) ? Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "runtimes"), "*", SearchOption.AllDirectories) : [],
            f => Assert.Equal(platform, Path.GetRelativePath(Path.Combine(AppContext.BaseDirectory, "runtimes"), f).Split(Path.DirectorySeparatorChar)[0]));
    }
}
