using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace Llm.Stack.Cli;

/// <summary>The <c>llmstack</c> command line: parses arguments and runs one command.</summary>
/// <remarks>Writes to the given writers only, so tests run it in-process.</remarks>
internal sealed partial class CliApp
{
    private readonly TextWriter _out;
    private readonly TextWriter _error;
    private readonly string _workingDirectory;

    private readonly Option<string?> _configOption = new("--config") { Description = "A configuration file (default: llmstack.json in the working directory, when present)." };
    private readonly Option<string?> _dataOption = new("--data") { Description = "Where the index is kept (LlmStack:DataDirectory; default: .llmstack)." };
    private readonly Option<string?> _modelOption = new("--model") { Description = "A local ONNX Runtime GenAI model folder to generate answers with (LlmStack:Chat:ModelPath)." };

    private readonly IReadOnlyDictionary<string, string?>? _environment;

    /// <param name="output">Where results go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="workingDirectory">The working directory (relative paths, llmstack.json, the default data directory).</param>
    /// <param name="environment">The environment variables to read; <see langword="null"/> for the process's.</param>
    public CliApp(TextWriter output, TextWriter error, string workingDirectory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        _environment = environment;
        _out = output;
        _error = error;
        _workingDirectory = workingDirectory;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = ReferenceEquals(output, System.Console.Out) ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ReferenceEquals(output, System.Console.Out) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = ReferenceEquals(output, System.Console.Out) ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!ReferenceEquals(output, System.Console.Out) || System.Console.IsOutputRedirected)
        {
            // Redirected output is read by programs and people alike: do not wrap it at 80 columns.
            Console.Profile.Width = 200;
        }
    }

    private IAnsiConsole Console { get; }

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        RootCommand root = BuildCommands();
        ParseResult parsed = root.Parse(args);
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = _out, Error = _error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, cancellationToken);
        }
        catch (CliException e)
        {
            await _error.WriteLineAsync($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: the command stopped cleanly (an interrupted ingest saved what it had; the next run resumes).
            await _error.WriteLineAsync("Cancelled.");
            return 130;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            await _error.WriteLineAsync($"error: invalid configuration: {string.Join(" ", e.Failures)}");
            return 2;
        }
        catch (InvalidOperationException e) when (e.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
        {
            await _error.WriteLineAsync($"error: invalid configuration: {e.Message}");
            return 2;
        }
    }

    private RootCommand BuildCommands()
    {
        var root = new RootCommand("llmstack: ingest documents and answer questions about them with citations, offline by default.");
        root.Options.Add(_configOption);
        root.Options.Add(_dataOption);
        root.Options.Add(_modelOption);
        _configOption.Recursive = true;
        _dataOption.Recursive = true;
        _modelOption.Recursive = true;

        root.Subcommands.Add(BuildIngestCommand());
        root.Subcommands.Add(BuildAskCommand());
        root.Subcommands.Add(BuildSearchCommand());
        root.Subcommands.Add(BuildEvalCommand());
        root.Subcommands.Add(BuildInfoCommand());
        root.Subcommands.Add(BuildServeCommand());
        return root;
    }

    /// <summary>The configuration for one run: file, environment, then the command line.</summary>
    private IConfigurationRoot LoadConfiguration(ParseResult parsed)
    {
        var commandLine = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (parsed.GetValue(_dataOption) is { } data)
        {
            commandLine["LlmStack:DataDirectory"] = data;
        }

        if (parsed.GetValue(_modelOption) is { } model)
        {
            commandLine["LlmStack:Chat:Provider"] = ChatProviders.Onnx;
            commandLine["LlmStack:Chat:ModelPath"] = Path.GetFullPath(model, _workingDirectory);
        }

        return CliConfiguration.Build(_workingDirectory, parsed.GetValue(_configOption), commandLine, _environment);
    }
}
