using System.ClientModel;
using System.Text;
using System.Text.Json.Nodes;
using Llm.Stack.Evaluation;
using Llm.Stack.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.Tokenizers;

namespace Llm.Stack.OpenAI.Tests.FineTuning;

public sealed class OpenAIFineTuningClientTests : IDisposable
{
    private static readonly Tokenizer Gpt4o = TiktokenTokenizer.CreateForModel("gpt-4o");
    private readonly OpenAIProtocolServer _server = new();

    public void Dispose() => _server.Dispose();

    private OpenAIFineTuningClient Client() => new(_server.Endpoint, "sk-tune-key") { PollInterval = TimeSpan.FromMilliseconds(10) };

    /// <summary>Twelve support answers, validated and split by <see cref="FineTuningDatasetBuilder"/>, as JSONL.</summary>
    private static async Task<(FineTuningDataset Dataset, BinaryData Training, BinaryData Validation)> DatasetAsync()
    {
        var builder = new FineTuningDatasetBuilder(Gpt4o, new FineTuningDatasetOptions { ValidationFraction = 0.25, Seed = 3 });
        for (int i = 0; i < 12; i++)
        {
            builder.Add(FineTuningExample.FromPrompt($"How do I reset router model R{i}?", $"Hold the reset button of the R{i} for {i + 5} seconds.", system: "You are the support desk."));
        }

        FineTuningDataset dataset = builder.Build();
        return (dataset, await JsonlAsync(dataset.Training), await JsonlAsync(dataset.Validation));
    }

    private static async Task<BinaryData> JsonlAsync(IEnumerable<FineTuningRecord> records)
    {
        var writer = new StringWriter();
        await FineTuningDataset.WriteJsonlAsync(records, writer);
        return BinaryData.FromString(writer.ToString());
    }

    [Fact]
    public async Task Submit_uploads_the_validated_training_and_validation_JSONL_and_creates_a_job_with_its_settings()
    {
        (FineTuningDataset dataset, BinaryData training, BinaryData validation) = await DatasetAsync();

        HostedFineTuningJob job = await Client().SubmitAsync(new HostedFineTuningRequest("gpt-4o-mini", training)
        {
            ValidationData = validation,
            Suffix = "support",
            Seed = 7,
            EpochCount = 2,
        });

        Assert.Equal(HostedFineTuningJobStatus.ValidatingFiles, job.Status);
        Assert.False(job.IsFinished);
        Assert.StartsWith("ftjob-", job.Id, StringComparison.Ordinal);
        Assert.Equal("gpt-4o-mini", job.BaseModel);
        Assert.Equal("support", job.Suffix);
        Assert.Null(job.FineTunedModel);
        Assert.NotNull(job.CreatedAt);
        IReadOnlyDictionary<string, string> files = _server.UploadedFiles;
        Assert.Equal(training.ToString(), files[job.TrainingFileId!]);
        Assert.Equal(validation.ToString(), files[job.ValidationFileId!]);
        Assert.Equal(dataset.Training.Count, files[job.TrainingFileId!].Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var requests = _server.Requests.ToArray();
        Assert.Equal(["/v1/files", "/v1/files", "/v1/fine_tuning/jobs"], requests.Select(r => r.Path));
        Assert.All(requests, r => Assert.Equal("Bearer sk-tune-key", r.Authorization));
        Assert.Equal("fine-tune", requests[0].Body["purpose"]!.GetValue<string>());
        Assert.Equal("train.jsonl", requests[0].Body["file"]!["filename"]!.GetValue<string>());
        JsonNode create = requests[2].Body;
        Assert.Equal("gpt-4o-mini", create["model"]!.GetValue<string>());
        Assert.Equal(job.TrainingFileId, create["training_file"]!.GetValue<string>());
        Assert.Equal(job.ValidationFileId, create["validation_file"]!.GetValue<string>());
        Assert.Equal("support", create["suffix"]!.GetValue<string>());
        Assert.Equal(7, create["seed"]!.GetValue<int>());
        Assert.Equal(2, create["method"]!["supervised"]!["hyperparameters"]!["n_epochs"]!.GetValue<int>());
    }

    [Fact]
    public async Task Watch_yields_each_event_once_oldest_first_until_the_job_succeeds_and_the_tuned_model_is_then_a_named_model()
    {
        (FineTuningDataset dataset, BinaryData training, _) = await DatasetAsync();
        OpenAIFineTuningClient client = Client();
        HostedFineTuningJob submitted = await client.SubmitAsync(new HostedFineTuningRequest("gpt-4o-mini", training) { Suffix = "support", EpochCount = 2 });

        List<HostedFineTuningEvent> events = [];
        await foreach (HostedFineTuningEvent e in client.WatchAsync(submitted.Id))
        {
            events.Add(e);
        }

        Assert.Equal(
            [
                $"Created fine-tuning job: {submitted.Id}",
                $"Validating training file: {submitted.TrainingFileId}",
                "Files validated, moving job to queued state",
                "Fine-tuning job started",
                "Step 1/2: training loss=1.0000",
                "Step 2/2: training loss=0.6667",
                events[^2].Message,
                "The job has successfully completed",
            ],
            events.Select(e => e.Message));
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.CreatedAt <= p.Second.CreatedAt));
        Assert.Equal("metrics", events[4].Kind);
        Assert.Contains("\"train_loss\"", events[4].Data, StringComparison.Ordinal);

        HostedFineTuningJob done = await client.GetJobAsync(submitted.Id);
        Assert.Equal(HostedFineTuningJobStatus.Succeeded, done.Status);
        Assert.True(done.IsFinished);
        Assert.NotNull(done.FinishedAt);
        Assert.True(done.TrainedTokens > 0);
        Assert.Null(done.ErrorMessage);
        Assert.StartsWith("ft:gpt-4o-mini:", done.FineTunedModel, StringComparison.Ordinal);
        Assert.Contains(":support:", done.FineTunedModel, StringComparison.Ordinal);
        Assert.Equal($"New fine-tuned model created: {done.FineTunedModel}", events[^2].Message);
        Assert.Equal(events.Select(e => e.Id), (await client.GetEventsAsync(submitted.Id)).Select(e => e.Id));

        // The tuned model as one named model of configuration: the keyed IChatClient calls it by its id.
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmStack:ChatModels:support:Provider"] = "openai",
            ["LlmStack:ChatModels:support:Endpoint"] = _server.Endpoint.ToString(),
            ["LlmStack:ChatModels:support:Model"] = done.FineTunedModel,
        }).Build();
        var services = new ServiceCollection();
        services.AddLlmStack(configuration).AddOpenAIProvider();
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient support = provider.GetRequiredKeyedService<IChatClient>("support");
        FineTuningRecord learned = dataset.Training[0];
        ChatResponse answer = await support.GetResponseAsync(learned.Example.Messages.Single(m => m.Role == ChatRole.User).Text);

        Assert.Equal(learned.Example.Messages.Single(m => m.Role == ChatRole.Assistant).Text, answer.Text);
        Assert.Equal(done.FineTunedModel, _server.Requests.Last().Body["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_README_example_submits_follows_and_reads_the_tuned_model()
    {
        (_, BinaryData training, BinaryData validation) = await DatasetAsync();
        Uri endpoint = _server.Endpoint;
        string apiKey = "sk-tune-key";
        TimeSpan pollInterval = TimeSpan.FromMilliseconds(10);

        // README: Customise a model, hosted fine-tuning
        OpenAIFineTuningClient client = new(endpoint, apiKey) { PollInterval = pollInterval }; // how often WatchAsync looks; 10 s by default
        HostedFineTuningJob job = await client.SubmitAsync(new HostedFineTuningRequest("gpt-4o-mini-2024-07-18", training)
        {
            ValidationData = validation, // JSONL that FineTuningDataset.WriteJsonlAsync wrote
            Suffix = "support",
        });
        await foreach (HostedFineTuningEvent e in client.WatchAsync(job.Id)) // each event once, oldest first, until the job ends
        {
            Console.WriteLine(e.Message);
        }

        job = await client.GetJobAsync(job.Id); // Succeeded: job.FineTunedModel; Failed: job.ErrorMessage
        // README: end

        Assert.Equal(HostedFineTuningJobStatus.Succeeded, job.Status);
        Assert.StartsWith("ft:gpt-4o-mini-2024-07-18:", job.FineTunedModel, StringComparison.Ordinal);
        Assert.Equal(validation.ToString(), _server.UploadedFiles[job.ValidationFileId!]);
    }

    [Fact]
    public async Task A_job_whose_training_file_the_server_refuses_ends_failed_with_the_servers_reason()
    {
        // Not from the builder: the second line has no assistant message.
        var bad = BinaryData.FromString("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}]}\n{\"messages\":[{\"role\":\"user\",\"content\":\"no answer\"}]}\n");
        OpenAIFineTuningClient client = Client();
        HostedFineTuningJob submitted = await client.SubmitAsync(new HostedFineTuningRequest("gpt-4o-mini", bad));

        List<HostedFineTuningEvent> events = [];
        await foreach (HostedFineTuningEvent e in client.WatchAsync(submitted.Id))
        {
            events.Add(e);
        }

        HostedFineTuningJob failed = await client.GetJobAsync(submitted.Id);
        Assert.Equal(HostedFineTuningJobStatus.Failed, failed.Status);
        Assert.True(failed.IsFinished);
        Assert.Null(failed.FineTunedModel);
        Assert.Equal("invalid_training_file", failed.ErrorCode);
        Assert.Contains("Line 2", failed.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(failed.ErrorMessage, events[^1].Message);
    }

    [Fact]
    public async Task Cancel_stops_a_running_job_and_refuses_a_finished_one()
    {
        (_, BinaryData training, _) = await DatasetAsync();
        OpenAIFineTuningClient client = Client();
        HostedFineTuningJob submitted = await client.SubmitAsync(new HostedFineTuningRequest("gpt-4o-mini", training));

        HostedFineTuningJob cancelled = await client.CancelAsync(submitted.Id);

        Assert.Equal(HostedFineTuningJobStatus.Cancelled, cancelled.Status);
        Assert.Equal("cancelled", cancelled.StatusText);
        Assert.NotNull(cancelled.FinishedAt);
        Assert.Equal("/v1/fine_tuning/jobs/" + submitted.Id + "/cancel", _server.Requests.Last().Path);
        Assert.Equal("Job cancelled", (await client.GetEventsAsync(submitted.Id))[^1].Message);
        Assert.Equal(HostedFineTuningJobStatus.Cancelled, (await client.GetJobAsync(submitted.Id)).Status);
        var again = await Assert.ThrowsAsync<InvalidOperationException>(() => client.CancelAsync(submitted.Id));
        Assert.Contains("already cancelled", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_job_is_the_servers_404_and_bad_arguments_are_named()
    {
        OpenAIFineTuningClient client = Client();

        var unknown = await Assert.ThrowsAsync<ClientResultException>(() => client.GetJobAsync("ftjob-nope"));
        Assert.Equal(404, unknown.Status);
        Assert.Equal("jobId", (await Assert.ThrowsAsync<ArgumentException>(() => client.GetJobAsync(" "))).ParamName);
        Assert.Equal("jobId", Assert.Throws<ArgumentException>(() => client.WatchAsync("")).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => client.PollInterval = TimeSpan.Zero);
        Assert.Equal("endpoint", Assert.Throws<ArgumentException>(() => new OpenAIFineTuningClient(new Uri("file:///tmp/x"))).ParamName);
        Assert.Equal("trainingData", Assert.Throws<ArgumentException>(() => new HostedFineTuningRequest("gpt-4o-mini", BinaryData.FromString(""))).ParamName);
        Assert.Equal("baseModel", Assert.Throws<ArgumentException>(() => new HostedFineTuningRequest(" ", BinaryData.FromString("{}"))).ParamName);
        var request = new HostedFineTuningRequest("gpt-4o-mini", BinaryData.FromBytes(Encoding.UTF8.GetBytes("{}")));
        Assert.Throws<ArgumentException>(() => request.Suffix = new string('s', 65));
        Assert.Throws<ArgumentOutOfRangeException>(() => request.EpochCount = 0);
        Assert.DoesNotContain(_server.Requests, r => r.Path != "/v1/fine_tuning/jobs/ftjob-nope");
    }
}
