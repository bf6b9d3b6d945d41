using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Llm.Stack.TestUtilities;

namespace Llm.Stack.OpenAI.Tests.Consumer;

/// <summary>
/// What a new user does: packs the packages into a local folder, restores them into a fresh console app in a temporary
/// folder, and runs configuration-driven registration end to end (chat through <c>openai</c> against a local
/// OpenAI-protocol server, embeddings <c>minilm</c>, store <c>inmemory</c>; a RAG call with a per-call <c>Top</c> keeps the
/// configured context window and answer length; an unknown key fails inside AddLlmStack).
/// </summary>
/// <remarks>
/// Packs the Release build with <c>--no-build</c>: run it as part of <c>dotnet test Llm.Stack.sln -c Release</c>, which
/// builds every package first. The app's own <c>nuget.config</c> adds only the local folder as a source (the machine's
/// sources stay as they are) and reads the other packages from the machine's package folder.
/// </remarks>
public sealed partial class PackagedConsumerTests : IDisposable
{
    private static readonly string[] Packages =
        ["Llm.Stack.Abstractions", "Llm.Stack.VectorIndex", "Llm.Stack", "Llm.Stack.Onnx", "Llm.Stack.Onnx.MiniLM", "Llm.Stack.OpenAI"];

    private const string Version = "0.0.0-consumer";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "llmstack-consumer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task A_fresh_app_restores_the_packed_packages_and_is_configured_by_configuration_alone()
    {
        string repository = FindRepository();
        string feed = Path.Combine(_root, "feed");
        string app = Path.Combine(_root, "app");
        Directory.CreateDirectory(app);

        foreach (string package in Packages)
        {
            await RunAsync(repository, "dotnet", "pack", Path.Combine("src", package, package + ".csproj"), "-c", "Release", "--no-build",
                "-o", feed, "-p:PackageVersion=" + Version, "-p:IncludeSymbols=false");
        }

        string props = await File.ReadAllTextAsync(Path.Combine(repository, "Directory.Packages.props"));
        string extensions = VersionOf(props, "MicrosoftExtensionsVersion");
        string onnxRuntime = PackageVersionRegex().Match(props).Groups[1].Value;
        await File.WriteAllTextAsync(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Llm.Stack" Version="{Version}" />
                <PackageReference Include="Llm.Stack.OpenAI" Version="{Version}" />
                <PackageReference Include="Llm.Stack.Onnx.MiniLM" Version="{Version}" />
                <PackageReference Include="Llm.Stack.VectorIndex" Version="{Version}" />
                <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="{onnxRuntime}" />
                <PackageReference Include="Microsoft.Extensions.Configuration" Version="{extensions}" />
                <PackageReference Include="Microsoft.Extensions.DependencyInjection" Version="{extensions}" />
              </ItemGroup>
            </Project>
            """);
        string machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="llmstack-local" value="{feed}" />
              </packageSources>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(_root, "packages")}" />
              </config>
              <fallbackPackageFolders>
                <add key="machine" value="{machinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Consumer", "ConsumerProgram.cs.txt"), Path.Combine(app, "Program.cs"));

        await RunAsync(app, "dotnet", "build", "-c", "Release", "-o", Path.Combine(app, "out"));
        string dll = Path.Combine(app, "out", "app.dll");

        using var server = new OpenAIProtocolServer();
        string output = await RunAsync(app, "dotnet", dll, server.Endpoint.ToString(), Path.Combine(_root, "data"));

        Assert.Contains("chat: You asked: Which volcano erupted in 2010?", output, StringComparison.Ordinal);
        Assert.Contains("embedding dimensions: 384", output, StringComparison.Ordinal);
        Assert.Contains("store: Llm.Stack.VectorIndex.InMemoryVectorStore", output, StringComparison.Ordinal);
        Assert.Contains("rag: You asked:", output, StringComparison.Ordinal);
        var requests = server.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.All(requests, r => Assert.Equal("Bearer sk-consumer", r.Authorization));
        Assert.All(requests, r => Assert.Equal("tiny-chat", r.Body["model"]!.GetValue<string>()));

        // The RAG call set Top = 5: the configured answer length and context window still hold.
        JsonNode rag = requests[1].Body;
        Assert.Equal(48, (rag["max_completion_tokens"] ?? rag["max_tokens"])!.GetValue<int>());
        string prompt = string.Concat(rag["messages"]!.AsArray().Select(m => m!["content"] switch
        {
            JsonValue text => text.GetValue<string>(),
            JsonArray parts => string.Concat(parts.Select(p => p!["text"]?.GetValue<string>())),
            _ => "",
        }));
        Assert.InRange(prompt.Split("<source id=\"").Length - 1, 1, 3);

        string invalid = await RunAsync(app, "dotnet", [dll, server.Endpoint.ToString(), Path.Combine(_root, "data"), "LlmStack:Chat:Modle"], expectedExitCode: 2);
        Assert.Contains("invalid: LlmStack:Chat:Modle is not a known key. Did you mean LlmStack:Chat:Model?", invalid, StringComparison.Ordinal);
        Assert.Equal(2, server.Requests.Count);
    }

    private static string VersionOf(string props, string property) =>
        Regex.Match(props, $"<{property}>([^<]+)</{property}>").Groups[1].Value;

    [GeneratedRegex("Include=\"Microsoft\\.ML\\.OnnxRuntime\" Version=\"([^\"]+)\"")]
    private static partial Regex PackageVersionRegex();

    private static string FindRepository()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Llm.Stack.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository (Llm.Stack.sln) was not found above " + AppContext.BaseDirectory);
    }

    private static Task<string> RunAsync(string workingDirectory, string fileName, params string[] arguments) =>
        RunAsync(workingDirectory, fileName, arguments, expectedExitCode: 0);

    private static async Task<string> RunAsync(string workingDirectory, string fileName, string[] arguments, int expectedExitCode)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        string text = await output + await error;
        Assert.True(process.ExitCode == expectedExitCode, $"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{text}");
        return text;
    }
}
