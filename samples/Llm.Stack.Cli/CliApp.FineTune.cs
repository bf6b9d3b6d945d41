using System.ClientModel;
using System.CommandLine;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using Llm.Stack.Evaluation;
using Microsoft.Extensions.Configuration;
using Microsoft.ML.Tokenizers;
using Spectre.Console;

namespace Llm.Stack.Cli;

internal sealed partial class CliApp
{
    private readonly Option<string?> _endpointOption = new("--endpoint") { Description = "The OpenAI-compatible endpoint that runs the job (default: LlmStack:Chat:Endpoint or LLMSTACK_ENDPOINT); the key is LlmStack:Chat:ApiKey or LLMSTACK_API_KEY." };
    private readonly Option<bool> _followOption = new("--follow") { Description = "Print the job's events as they come until it ends; the exit code then tells how it ended." };
    private readonly Option<double> _intervalOption = new("--interval") { Description = "Seconds between two looks at the job with --follow.", DefaultValueFactory = _ => 10 };

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    private Command BuildFineTuneCommand()
    {
        _endpointOption.Recursive = true;
        _intervalOption.Recursive = true;
        var command = new Command("finetune", "Run a hosted fine-tuning job at an OpenAI-compatible endpoint: submit validated chat JSONL, follow it, cancel it; the tuned model is then a named model of LlmStack:ChatModels.")
        {
            _endpointOption, _intervalOption, BuildFineTuneSubmitCommand(), BuildFineTuneStatusCommand(), BuildFineTuneCancelCommand(),
        };
        return command;
    }

    private Command BuildFineTuneSubmitCommand()
    {
        var training = new Argument<string>("training") { Description = "Chat fine-tuning JSONL, one {\"messages\": [{\"role\": …, \"content\": …}, …]} per line (such as the train.jsonl that `export` writes)." };
        var model = new Option<string>("--model") { Description = "The base model to fine-tune, such as gpt-4o-mini-2024-07-18.", Required = true };
        var validation = new Option<string?>("--validation") { Description = "A validation JSONL file; without it, a seeded tenth of the training file is held out (--validation-fraction)." };
        var fraction = new Option<double>("--validation-fraction") { Description = "The share held out for validation when --validation is not given (0 for none).", DefaultValueFactory = _ => 0.1 };
        var suffix = new Option<string?>("--suffix") { Description = "Text put into the tuned model's name (up to 64 characters)." };
        var epochs = new Option<int?>("--epochs") { Description = "Passes over the training set (1 to 50; default: the server's choice)." };
        var seed = new Option<int>("--seed") { Description = "The seed of the validation split and of the job.", DefaultValueFactory = _ => 1 };
        var command = new Command("submit", "Validate the JSONL (roles, empty messages, an assistant answer, the token limit, duplicates, at least 10 examples), upload it and create a fine-tuning job.")
        {
            training, model, validation, fraction, suffix, epochs, seed, _followOption,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string baseModel = parsed.GetRequiredValue(model);
            Tokenizer tokenizer = TokenizerFor(baseModel);
            double share = parsed.GetValue(fraction);
            string? validationPath = parsed.GetValue(validation);
            var datasetOptions = new FineTuningDatasetOptions { Seed = parsed.GetValue(seed) };
            try
            {
                datasetOptions.ValidationFraction = validationPath is null ? share : 0;
            }
            catch (ArgumentOutOfRangeException)
            {
                throw new CliException($"--validation-fraction: {share} is not in [0, 1).");
            }

            FineTuningDataset trainingSet = await ReadDatasetAsync(parsed.GetRequiredValue(training), tokenizer, datasetOptions, cancellationToken);
            IReadOnlyList<FineTuningRecord> validationRecords = trainingSet.Validation;
            if (validationPath is not null)
            {
                validationRecords = (await ReadDatasetAsync(validationPath, tokenizer, new FineTuningDatasetOptions { ValidationFraction = 0, MinimumExamples = 1 }, cancellationToken)).Training;
            }

            HostedFineTuningRequest request;
            try
            {
                request = new HostedFineTuningRequest(baseModel, await ToJsonlAsync(trainingSet.Training, cancellationToken))
                {
                    ValidationData = validationRecords.Count == 0 ? null : await ToJsonlAsync(validationRecords, cancellationToken),
                    Suffix = parsed.GetValue(suffix),
                    EpochCount = parsed.GetValue(epochs),
                    Seed = parsed.GetValue(seed),
                };
            }
            catch (ArgumentException e)
            {
                throw new CliException($"{OptionFor(e)}: {e.Message.Split(" (Parameter", 2)[0]}");
            }

            (OpenAIFineTuningClient client, string endpoint) = CreateFineTuningClient(parsed);
            HostedFineTuningJob job = await CallEndpointAsync(endpoint, null, () => client.SubmitAsync(request, cancellationToken));
            Console.MarkupLineInterpolated(
                $"Uploaded {trainingSet.Training.Count} training and {validationRecords.Count} validation examples ({trainingSet.TrainingTokens} training tokens per epoch; {trainingSet.DuplicatesRemoved} duplicates removed).");
            Console.MarkupLineInterpolated($"Created the fine-tuning job [blue]{job.Id}[/] ({job.StatusText}) for {job.BaseModel} at {endpoint}.");
            if (!parsed.GetValue(_followOption))
            {
                Console.MarkupLineInterpolated($"Follow it with: llmstack finetune status {job.Id} --follow");
                return CliExitCodes.Success;
            }

            return await FollowAsync(client, endpoint, job.Id, cancellationToken);
        });
        return command;
    }

    private Command BuildFineTuneStatusCommand()
    {
        var jobId = new Argument<string>("job-id") { Description = "The job's id, such as ftjob-abc123." };
        var command = new Command("status", "Print a fine-tuning job's state and events, and the tuned model's id once it has succeeded; exit code 10 when it failed or was cancelled.")
        {
            jobId, _followOption,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string id = parsed.GetRequiredValue(jobId);
            (OpenAIFineTuningClient client, string endpoint) = CreateFineTuningClient(parsed);
            if (parsed.GetValue(_followOption))
            {
                return await FollowAsync(client, endpoint, id, cancellationToken);
            }

            foreach (HostedFineTuningEvent e in await CallEndpointAsync(endpoint, id, () => client.GetEventsAsync(id, cancellationToken)))
            {
                WriteEvent(e);
            }

            return WriteOutcome(await CallEndpointAsync(endpoint, id, () => client.GetJobAsync(id, cancellationToken)), endpoint);
        });
        return command;
    }

    private Command BuildFineTuneCancelCommand()
    {
        var jobId = new Argument<string>("job-id") { Description = "The job's id, such as ftjob-abc123." };
        var command = new Command("cancel", "Cancel a fine-tuning job that has not finished.") { jobId };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string id = parsed.GetRequiredValue(jobId);
            (OpenAIFineTuningClient client, string endpoint) = CreateFineTuningClient(parsed);
            HostedFineTuningJob job;
            try
            {
                job = await CallEndpointAsync(endpoint, id, () => client.CancelAsync(id, cancellationToken));
            }
            catch (InvalidOperationException e)
            {
                throw new CliException(e.Message);
            }

            Console.MarkupLineInterpolated($"The fine-tuning job [blue]{job.Id}[/] is {job.StatusText}.");
            return CliExitCodes.Success;
        });
        return command;
    }

    private async Task<int> FollowAsync(OpenAIFineTuningClient client, string endpoint, string jobId, CancellationToken cancellationToken)
    {
        await CallEndpointAsync(endpoint, jobId, async () =>
        {
            await foreach (HostedFineTuningEvent e in client.WatchAsync(jobId, cancellationToken))
            {
                WriteEvent(e);
            }

            return true;
        });
        return WriteOutcome(await CallEndpointAsync(endpoint, jobId, () => client.GetJobAsync(jobId, cancellationToken)), endpoint);
    }

    private void WriteEvent(HostedFineTuningEvent e) =>
        Console.MarkupLineInterpolated($"[grey]{e.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}[/] {e.Message}");

    /// <summary>Prints the job's state; once it has succeeded, the configuration that makes it a named model.</summary>
    private int WriteOutcome(HostedFineTuningJob job, string endpoint)
    {
        switch (job.Status)
        {
            case HostedFineTuningJobStatus.Succeeded:
                string name = job.Suffix ?? "tuned";
                Console.MarkupLineInterpolated($"The fine-tuning job {job.Id} succeeded: the tuned model is [green]{job.FineTunedModel}[/] ({job.TrainedTokens} tokens trained).");
                Console.WriteLine($"Use it as a named model (llmstack.json), then for example `llmstack eval questions.jsonl --models {name}`:");
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["LlmStack"] = new Dictionary<string, object>
                    {
                        ["ChatModels"] = new Dictionary<string, object>
                        {
                            [name] = new Dictionary<string, string> { ["Provider"] = "openai", ["Endpoint"] = endpoint, ["Model"] = job.FineTunedModel ?? string.Empty },
                        },
                    },
                }, IndentedJson));
                return CliExitCodes.Success;
            case HostedFineTuningJobStatus.Failed:
                Console.MarkupLineInterpolated($"The fine-tuning job {job.Id} [red]failed[/]: {job.ErrorMessage ?? "the server gave no reason"}{(job.ErrorCode is null ? string.Empty : $" ({job.ErrorCode})")}");
                return CliExitCodes.FineTuningJobFailed;
            case HostedFineTuningJobStatus.Cancelled:
                Console.MarkupLineInterpolated($"The fine-tuning job {job.Id} was [yellow]cancelled[/].");
                return CliExitCodes.FineTuningJobFailed;
            default:
                Console.MarkupLineInterpolated($"The fine-tuning job {job.Id} is {job.StatusText}. Follow it with: llmstack finetune status {job.Id} --follow");
                return CliExitCodes.Success;
        }
    }

    private (OpenAIFineTuningClient Client, string Endpoint) CreateFineTuningClient(ParseResult parsed)
    {
        IConfigurationRoot configuration = LoadConfiguration(parsed);
        string? endpoint = parsed.GetValue(_endpointOption) ?? configuration["LlmStack:Chat:Endpoint"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            throw new CliException("no fine-tuning endpoint: give --endpoint, or set LLMSTACK_ENDPOINT or LlmStack:Chat:Endpoint (an OpenAI-compatible endpoint such as https://api.example.com/v1).", CliExitCodes.InvalidConfiguration);
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliException($"the fine-tuning endpoint '{endpoint}' is not an absolute http or https URI.", CliExitCodes.InvalidConfiguration);
        }

        double interval = parsed.GetValue(_intervalOption);
        if (!(interval > 0 && interval <= 3600))
        {
            throw new CliException($"--interval: {interval} is not a number of seconds in (0, 3600].");
        }

        return (new OpenAIFineTuningClient(uri, configuration["LlmStack:Chat:ApiKey"]) { PollInterval = TimeSpan.FromSeconds(interval) }, endpoint);
    }

    /// <summary>Runs one call to the endpoint and turns its faults into one-line errors with documented exit codes.</summary>
    private static async Task<T> CallEndpointAsync<T>(string endpoint, string? jobId, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ClientResultException e) when (Flatten(e).OfType<HttpRequestException>().FirstOrDefault() is { } http)
        {
            throw new CliException($"the fine-tuning endpoint {endpoint} cannot be reached ({OneLine(http.Message).TrimEnd('.')}). Check the address (--endpoint, LLMSTACK_ENDPOINT) and that the server runs.", CliExitCodes.EndpointUnreachable);
        }
        catch (ClientResultException e)
        {
            string reason = ServerMessage(e) ?? $"HTTP {e.Status}";
            throw e.Status switch
            {
                404 when jobId is not null => new CliException($"the endpoint {endpoint} has no fine-tuning job '{jobId}' ({reason})."),
                401 or 403 => new CliException($"the endpoint {endpoint} refused the API key (HTTP {e.Status}: {reason}). Set LLMSTACK_API_KEY or LlmStack:Chat:ApiKey.", CliExitCodes.InvalidConfiguration),
                _ => new CliException($"the endpoint {endpoint} refused the request (HTTP {e.Status}): {reason}"),
            };
        }
    }

    /// <summary>The <c>error.message</c> of an OpenAI error body, if any.</summary>
    private static string? ServerMessage(ClientResultException e)
    {
        try
        {
            BinaryData? content = e.GetRawResponse()?.Content;
            if (content is null || content.ToMemory().IsEmpty)
            {
                return null;
            }

            using JsonDocument json = JsonDocument.Parse(content);
            return json.RootElement.TryGetProperty("error", out JsonElement error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out JsonElement message) && message.ValueKind == JsonValueKind.String
                ? OneLine(message.GetString()!)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<FineTuningDataset> ReadDatasetAsync(string file, Tokenizer tokenizer, FineTuningDatasetOptions options, CancellationToken cancellationToken)
    {
        string path = Path.GetFullPath(file, _workingDirectory);
        if (!File.Exists(path))
        {
            throw new CliException($"The fine-tuning file '{path}' does not exist.");
        }

        var builder = new FineTuningDatasetBuilder(tokenizer, options);
        try
        {
            using var reader = new StreamReader(path, Encoding.UTF8);
            await builder.AddJsonlAsync(reader, cancellationToken);
            return builder.Build();
        }
        catch (FormatException e)
        {
            throw new CliException($"{path}: {e.Message}");
        }
        catch (FineTuningDatasetException e)
        {
            // The examples are numbered as the file's non-empty lines, from 1.
            IEnumerable<string> problems = e.Issues.Take(5).Select(i => i.ExampleIndex < 0 ? i.Problem : $"example {i.ExampleIndex + 1} {i.Problem}");
            string more = e.Issues.Count > 5 ? $"; and {e.Issues.Count - 5} more" : string.Empty;
            throw new CliException($"{path} is not a valid fine-tuning set, nothing was uploaded: {string.Join("; ", problems)}{more}.");
        }
    }

    private static async Task<BinaryData> ToJsonlAsync(IEnumerable<FineTuningRecord> records, CancellationToken cancellationToken)
    {
        var writer = new StringWriter();
        await FineTuningDataset.WriteJsonlAsync(records, writer, cancellationToken);
        return BinaryData.FromString(writer.ToString());
    }

    /// <summary>The base model's tokenizer when Microsoft.ML.Tokenizers knows it; otherwise o200k_base (the GPT-4o family's), so counts for other models are estimates.</summary>
    private static TiktokenTokenizer TokenizerFor(string model)
    {
        try
        {
            return TiktokenTokenizer.CreateForModel(model);
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or InvalidOperationException or FileNotFoundException)
        {
            return TiktokenTokenizer.CreateForEncoding("o200k_base");
        }
    }

    private static string OptionFor(ArgumentException e) => e.ParamName switch
    {
        "baseModel" => "--model",
        _ when e.Message.Contains("suffix", StringComparison.OrdinalIgnoreCase) => "--suffix",
        _ when e is ArgumentOutOfRangeException => "--epochs",
        _ => "finetune submit",
    };
}
