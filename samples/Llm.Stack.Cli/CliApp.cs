using System.CommandLine;
using System.Net.Http;
using System.Net.Sockets;
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
    private readonly Option<string?> _adapterOption = new("--adapter") { Description = "An embedding adapter file (from tune-embeddings) applied to queries (LlmStack:Embeddings:Adapter)." };
    private readonly Option<string?> _modelOption = new("--model") { Description = "A local ONNX Runtime GenAI model folder to generate answers with (LlmStack:Chat:ModelPath)." };

    /// <summary>One example per command, shown by <c>--help</c>.</summary>
    private static readonly Dictionary<string, string[]> Examples = new(StringComparer.Ordinal)
    {
        ["ingest"] = ["llmstack ingest samples/data", "llmstack ingest docs --include \"**/*.md\" --exclude \"drafts/**\""],
        ["ask"] = ["llmstack ask \"Which volcano in Iceland erupted in 2010?\" --docs samples/data", "LLMSTACK_ENDPOINT=http://localhost:11434/v1 LLMSTACK_MODEL=llama3.2 llmstack ask \"Why did flights stop?\""],
        ["search"] = ["llmstack search \"ash cloud\" --top 3", "llmstack search \"ash cloud\" --adapter tuned.lsea"],
        ["tune-embeddings"] = ["llmstack tune-embeddings pairs.jsonl --out tuned.lsea", "llmstack ask \"Why did flights stop?\" --adapter tuned.lsea"],
        ["train-classifier"] = ["llmstack train-classifier labelled.jsonl --out intents.lsec", "llmstack classify intents.lsec \"my parcel has not arrived\""],
        ["classify"] = ["llmstack classify intents.lsec \"my parcel has not arrived\" \"I was charged twice\"", "llmstack classify intents.lsec --in held-out.jsonl"],
        ["finetune"] = ["llmstack finetune submit train.jsonl --model gpt-4o-mini-2024-07-18 --suffix support --follow", "llmstack finetune status ftjob-abc123", "llmstack finetune cancel ftjob-abc123"],
        ["eval"] = ["llmstack eval samples/questions.jsonl --out eval-report"],
        ["info"] = ["llmstack info --data .llmstack"],
        ["label"] = ["llmstack label", "llmstack label --low-rated --user alice"],
        ["export"] = ["llmstack export --out labelled", "llmstack eval labelled/eval.jsonl --out eval-report"],
        ["serve"] = ["llmstack serve --rag --port 8080", "LLMSTACK_SERVER_API_KEY=<key> llmstack serve --rag --host 0.0.0.0"],
    };

    private readonly IReadOnlyDictionary<string, string?>? _environment;

    /// <summary>The configuration of the running command, to name the endpoint it could not reach.</summary>
    private IConfiguration? _configuration;

    /// <param name="output">Where results go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="workingDirectory">The working directory (relative paths, llmstack.json, the default data directory).</param>
    /// <param name="environment">The environment variables to read; <see langword="null"/> for the process's.</param>
    /// <param name="console">The console to write to and read keys from (<c>label</c>); <see langword="null"/> for one over <paramref name="output"/>.</param>
    public CliApp(TextWriter output, TextWriter error, string workingDirectory, IReadOnlyDictionary<string, string?>? environment = null, IAnsiConsole? console = null)
    {
        _environment = environment;
        _out = output;
        _error = error;
        _workingDirectory = workingDirectory;
        Console = console ?? AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = ReferenceEquals(output, System.Console.Out) ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ReferenceEquals(output, System.Console.Out) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = ReferenceEquals(output, System.Console.Out) ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (console is null && (!ReferenceEquals(output, System.Console.Out) || System.Console.IsOutputRedirected))
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
            return CliExitCodes.Cancelled;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            await _error.WriteLineAsync($"error: invalid configuration: {string.Join(" ", e.Failures)}");
            return CliExitCodes.InvalidConfiguration;
        }
        catch (InvalidOperationException e) when (e.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
        {
            await _error.WriteLineAsync($"error: invalid configuration: {e.Message}");
            return CliExitCodes.InvalidConfiguration;
        }
        catch (Exception e) when (Flatten(e).OfType<EmbeddingAdapterMismatchException>().FirstOrDefault() is { } mismatch)
        {
            await _error.WriteLineAsync($"error: invalid configuration: LlmStack:Embeddings:Adapter: {mismatch.Message}");
            return CliExitCodes.InvalidConfiguration;
        }
        catch (Exception e) when (Flatten(e).OfType<ArgumentException>().FirstOrDefault(a => a.ParamName == "adapterPath") is { } adapter)
        {
            // A configured LoRA adapter file (LlmStack:Chat:Adapters:<name>) that the local model cannot load.
            await _error.WriteLineAsync($"error: invalid configuration: LlmStack:Chat:Adapters: {OneLine(adapter.Message.Split(" (Parameter", 2)[0])}");
            return CliExitCodes.InvalidConfiguration;
        }
        catch (Exception e) when (DescribeFault(e) is (string message, int exitCode))
        {
            // An environment fault: one line and a documented exit code, never a stack trace.
            await _error.WriteLineAsync($"error: {message}");
            return exitCode;
        }
    }

    /// <summary>Names an environment fault (unreachable endpoint, unwritable folder, full disk, damaged index) or a guardrail refusal in one line, or returns null for a bug.</summary>
    private (string Message, int ExitCode)? DescribeFault(Exception e)
    {
        List<Exception> chain = Flatten(e);
        if (chain.OfType<Llm.Stack.GuardrailViolationException>().FirstOrDefault() is { } refused)
        {
            return ($"{refused.Message.TrimEnd('.')} (LlmStack:Guardrails; set its RefusalMessage to answer with a message instead).", CliExitCodes.GuardrailRefused);
        }

        if (chain.OfType<Llm.Stack.IncompleteChatStreamException>().FirstOrDefault() is { } cut)
        {
            return ($"the model's answer was cut off after {cut.UpdatesReceived} piece(s): the connection to the model failed or closed before the answer's end, so the text above is incomplete. Ask again.", CliExitCodes.EndpointUnreachable);
        }

        if (chain.OfType<HttpRequestException>().FirstOrDefault() is { } http)
        {
            string endpoint = DescribeEndpoint(http);
            string reason = http.InnerException is SocketException socket ? socket.Message : http.Message;
            return ($"{endpoint} cannot be reached ({reason.TrimEnd('.')}). Check that the server is running and the address is right, or unset it to answer offline.", CliExitCodes.EndpointUnreachable);
        }

        if (chain.OfType<Microsoft.Extensions.VectorData.VectorStoreException>().FirstOrDefault() is { } store)
        {
            // The connectors name the server (never its password or token) in their messages.
            return ($"the vector store failed: {OneLine(store.Message)} Check that the server (LlmStack:VectorStore) is running and reachable.", CliExitCodes.EndpointUnreachable);
        }

        if (chain.OfType<InvalidDataException>().FirstOrDefault() is { } damaged)
        {
            string way = damaged.Message.Contains("--rebuild", StringComparison.Ordinal) ? string.Empty : " To start over, ingest again with --rebuild.";
            return ($"{OneLine(damaged.Message)}{way}", CliExitCodes.IndexDamaged);
        }

        if (chain.OfType<IOException>().FirstOrDefault(IsDiskFull) is { } full)
        {
            return ($"the disk is full: {OneLine(full.Message)} Free some space and run the command again; the last committed index is kept.", CliExitCodes.CannotWrite);
        }

        if (chain.OfType<UnauthorizedAccessException>().FirstOrDefault() is { } denied)
        {
            return ($"{OneLine(denied.Message)} Make the folder writable, or choose another data folder with --data.", CliExitCodes.CannotWrite);
        }

        if (chain.OfType<IOException>().FirstOrDefault(IsReadOnly) is { } readOnly)
        {
            return ($"the data folder is on a read-only file system: {OneLine(readOnly.Message)} Choose another data folder with --data.", CliExitCodes.CannotWrite);
        }

        return null;
    }

    private string DescribeEndpoint(HttpRequestException e)
    {
        string? chat = _configuration?["LlmStack:Chat:Endpoint"];
        string? embeddings = _configuration?["LlmStack:Embeddings:Endpoint"];
        string? host = e.InnerException is SocketException ? null : e.Message;
        if (embeddings is not null && (chat is null || (host is not null && Uri.TryCreate(embeddings, UriKind.Absolute, out Uri? u) && host.Contains(u.Authority, StringComparison.Ordinal))))
        {
            return $"The embeddings endpoint {embeddings} (LlmStack:Embeddings:Endpoint)";
        }

        return chat is null ? "A model endpoint" : $"The chat endpoint {chat} (LlmStack:Chat:Endpoint, or LLMSTACK_ENDPOINT)";
    }

    private static List<Exception> Flatten(Exception e)
    {
        var all = new List<Exception>();
        var pending = new Stack<Exception>();
        pending.Push(e);
        while (pending.Count > 0 && all.Count < 32)
        {
            Exception next = pending.Pop();
            all.Add(next);
            if (next is AggregateException aggregate)
            {
                foreach (Exception inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (next.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }

        return all;
    }

    /// <summary>ENOSPC on Unix (28), ERROR_HANDLE_DISK_FULL (39) or ERROR_DISK_FULL (112) on Windows.</summary>
    private static bool IsDiskFull(IOException e) => (e.HResult & 0xFFFF) is 28 or 39 or 112;

    /// <summary>EROFS on Unix (30), ERROR_WRITE_PROTECT (19) on Windows.</summary>
    private static bool IsReadOnly(IOException e) => (e.HResult & 0xFFFF) is 30 or 19;

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    /// <summary>The socket error under a failed bind, if any.</summary>
    private static SocketError? FindSocketError(Exception e) =>
        Flatten(e).OfType<SocketException>().Select(s => (SocketError?)s.SocketErrorCode).FirstOrDefault()
        ?? (Flatten(e).Any(x => x is Microsoft.AspNetCore.Connections.AddressInUseException) ? SocketError.AddressAlreadyInUse : null);

    private string? GetEnvironment(string name) =>
        _environment is null ? Environment.GetEnvironmentVariable(name) : _environment.GetValueOrDefault(name);

    private RootCommand BuildCommands()
    {
        var root = new RootCommand("llmstack: ingest documents and answer questions about them with citations, offline by default.");
        root.Options.Add(_configOption);
        root.Options.Add(_dataOption);
        root.Options.Add(_modelOption);
        root.Options.Add(_adapterOption);
        _adapterOption.Recursive = true;
        _configOption.Recursive = true;
        _dataOption.Recursive = true;
        _modelOption.Recursive = true;

        root.Subcommands.Add(BuildIngestCommand());
        root.Subcommands.Add(BuildAskCommand());
        root.Subcommands.Add(BuildSearchCommand());
        root.Subcommands.Add(BuildEvalCommand());
        root.Subcommands.Add(BuildTuneEmbeddingsCommand());
        root.Subcommands.Add(BuildTrainClassifierCommand());
        root.Subcommands.Add(BuildClassifyCommand());
        root.Subcommands.Add(BuildFineTuneCommand());
        root.Subcommands.Add(BuildInfoCommand());
        root.Subcommands.Add(BuildServeCommand());
        root.Subcommands.Add(BuildLabelCommand());
        root.Subcommands.Add(BuildExportCommand());
        foreach (Command command in root.Subcommands)
        {
            if (Examples.TryGetValue(command.Name, out string[]? examples))
            {
                command.Description += "\n\nExamples:\n" + string.Join("\n", examples.Select(e => "  " + e));
            }
        }

        return root;
    }

    /// <summary>The configuration for one run: file, environment, then the command line.</summary>
    private IConfigurationRoot LoadConfiguration(ParseResult parsed, IReadOnlyDictionary<string, string?>? commandOptions = null)
    {
        var commandLine = new Dictionary<string, string?>(commandOptions ?? new Dictionary<string, string?>(), StringComparer.OrdinalIgnoreCase);
        if (parsed.GetValue(_dataOption) is { } data)
        {
            commandLine["LlmStack:DataDirectory"] = data;
        }

        if (parsed.GetValue(_adapterOption) is { } adapter)
        {
            commandLine["LlmStack:Embeddings:Adapter"] = Path.GetFullPath(adapter, _workingDirectory);
        }

        if (parsed.GetValue(_modelOption) is { } model)
        {
            commandLine["LlmStack:Chat:Provider"] = ChatProviders.Onnx;
            commandLine["LlmStack:Chat:ModelPath"] = Path.GetFullPath(model, _workingDirectory);
        }

        _configuration = CliConfiguration.Build(_workingDirectory, parsed.GetValue(_configOption), commandLine, _environment);
        return (IConfigurationRoot)_configuration;
    }
}
