using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Llm.Stack.TestUtilities;

/// <summary>
/// The files and fine-tuning endpoints of the OpenAI protocol, as the API reference and the official clients define them:
/// <c>POST /files</c> (multipart upload), <c>POST/GET /fine_tuning/jobs</c>, <c>GET /fine_tuning/jobs/{id}</c>,
/// <c>GET /fine_tuning/jobs/{id}/events</c> (newest first, <c>limit</c> and <c>after</c> pages, <c>has_more</c>) and
/// <c>POST /fine_tuning/jobs/{id}/cancel</c>. A job moves one state on every <see cref="LooksPerStep"/> reads of it:
/// <c>validating_files</c> (the training file is checked: every line a <c>{"messages": [...]}</c> object with an assistant
/// message, else the job fails with <c>invalid_training_file</c> naming the line), <c>queued</c>, <c>running</c> (one metrics
/// event per epoch), <c>succeeded</c>. The tuned model (<c>ft:&lt;base&gt;:llm-stack-test:&lt;suffix&gt;:&lt;id&gt;</c>) then
/// answers a chat request whose last user message is one of its training examples' with that example's assistant message
/// (otherwise the echo); an unknown <c>ft:</c> model gets 404 <c>model_not_found</c>.
/// </summary>
public sealed partial class OpenAIProtocolServer
{
    private readonly Lock _tuning = new();
    private readonly Dictionary<string, JsonObject> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _fileContents = new(StringComparer.Ordinal);
    private readonly List<TuningJob> _jobs = [];
    private readonly Dictionary<string, Dictionary<string, string>> _tunedModels = new(StringComparer.Ordinal);
    private long _clock = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private int _ids;

    /// <summary>Gets or sets how many reads of a job (<c>GET /fine_tuning/jobs/{id}</c>) move it one state on.</summary>
    /// <value>The default value is 1.</value>
    public int LooksPerStep { get; set; } = 1;

    /// <summary>Gets the uploaded files' contents by file id.</summary>
    public IReadOnlyDictionary<string, string> UploadedFiles
    {
        get
        {
            lock (_tuning)
            {
                return new Dictionary<string, string>(_fileContents, StringComparer.Ordinal);
            }
        }
    }

    /// <inheritdoc />
    protected override Task HandleAsync(HttpListenerRequest request, JsonNode body, HttpListenerResponse response)
    {
        string path = request.Url!.AbsolutePath;
        return path.StartsWith("/v1/files", StringComparison.Ordinal) || path.StartsWith("/v1/fine_tuning/", StringComparison.Ordinal)
            ? HandleFineTuningAsync(request, path, body, response)
            : base.HandleAsync(request, body, response);
    }

    private static string Error(string message, string? param, string? code) => new JsonObject
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error", ["param"] = param, ["code"] = code },
    }.ToJsonString();

    private bool IsTunedModel(string model)
    {
        lock (_tuning)
        {
            return _tunedModels.ContainsKey(model);
        }
    }

    private string? TunedAnswer(string model, string question)
    {
        lock (_tuning)
        {
            return _tunedModels.TryGetValue(model, out Dictionary<string, string>? learned) && learned.TryGetValue(question, out string? answer) ? answer : null;
        }
    }

    private async Task HandleFineTuningAsync(HttpListenerRequest request, string path, JsonNode body, HttpListenerResponse response)
    {
        (int status, string json) = HandleFineTuning(request, path, body);
        await WriteAsync(response, "application/json", json, status);
    }

    private (int Status, string Json) HandleFineTuning(HttpListenerRequest request, string path, JsonNode body)
    {
        string[] parts = path["/v1/".Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        lock (_tuning)
        {
            switch (request.HttpMethod, parts)
            {
                case ("POST", ["files"]):
                    return Upload(body);
                case ("GET", ["files", string fileId]):
                    return _files.TryGetValue(fileId, out JsonObject? file) ? (200, file.ToJsonString()) : (404, Error($"No such File object: {fileId}", "id", null));
                case ("POST", ["fine_tuning", "jobs"]):
                    return Create(body);
                case ("GET", ["fine_tuning", "jobs"]):
                    return (200, new JsonObject
                    {
                        ["object"] = "list",
                        ["data"] = new JsonArray([.. Enumerable.Reverse(_jobs).Select(j => (JsonNode)j.ToJson())]),
                        ["has_more"] = false,
                    }.ToJsonString());
                case (_, ["fine_tuning", "jobs", string jobId, ..]) when _jobs.Find(j => j.Id == jobId) is null:
                    return (404, Error($"Could not find fine tune job: {jobId}", "fine_tune_id", "fine_tune_not_found"));
                case ("GET", ["fine_tuning", "jobs", string jobId]):
                    {
                        TuningJob job = _jobs.Find(j => j.Id == jobId)!;
                        if (++job.Looks % Math.Max(1, LooksPerStep) == 0)
                        {
                            Advance(job);
                        }

                        return (200, job.ToJson().ToJsonString());
                    }

                case ("GET", ["fine_tuning", "jobs", string jobId, "events"]):
                    return (200, Events(_jobs.Find(j => j.Id == jobId)!, request.QueryString["after"], request.QueryString["limit"]));
                case ("POST", ["fine_tuning", "jobs", string jobId, "cancel"]):
                    {
                        TuningJob job = _jobs.Find(j => j.Id == jobId)!;
                        if (job.Status is "succeeded" or "failed" or "cancelled")
                        {
                            return (400, Error($"Job {jobId} has already {job.Status}.", null, null));
                        }

                        job.Status = "cancelled";
                        job.FinishedAt = ++_clock;
                        AddEvent(job, "info", "Job cancelled");
                        return (200, job.ToJson().ToJsonString());
                    }

                default:
                    return (404, Error($"Invalid URL ({request.HttpMethod} {path})", null, null));
            }
        }
    }

    private (int, string) Upload(JsonNode body)
    {
        if (body["file"] is not JsonObject file || body["purpose"]?.GetValue<string>() is not { } purpose)
        {
            return (400, Error("A file upload needs the multipart fields 'file' and 'purpose'.", "file", null));
        }

        string content = file["content"]!.GetValue<string>();
        string id = $"file-{++_ids:D6}";
        var record = new JsonObject
        {
            ["id"] = id,
            ["object"] = "file",
            ["bytes"] = System.Text.Encoding.UTF8.GetByteCount(content),
            ["created_at"] = ++_clock,
            ["filename"] = file["filename"]?.GetValue<string>() ?? "upload",
            ["purpose"] = purpose,
            ["status"] = "processed",
        };
        _files[id] = record;
        _fileContents[id] = content;
        return (200, record.ToJsonString());
    }

    private (int, string) Create(JsonNode body)
    {
        if (body["model"]?.GetValue<string>() is not { Length: > 0 } model)
        {
            return (400, Error("Missing required parameter: 'model'.", "model", null));
        }

        string? training = body["training_file"]?.GetValue<string>();
        if (training is null || !_files.TryGetValue(training, out JsonObject? trainingFile) || trainingFile["purpose"]!.GetValue<string>() != "fine-tune")
        {
            return (400, Error($"invalid training_file: {training}", "training_file", null));
        }

        string? validation = body["validation_file"]?.GetValue<string>();
        if (validation is not null && !_files.ContainsKey(validation))
        {
            return (400, Error($"invalid validation_file: {validation}", "validation_file", null));
        }

        string? suffix = body["suffix"]?.GetValue<string>();
        if (suffix is { Length: > 64 })
        {
            return (400, Error("suffix must be at most 64 characters", "suffix", null));
        }

        int epochs = body["method"]?["supervised"]?["hyperparameters"]?["n_epochs"] is JsonValue n && n.TryGetValue(out int e) ? e : 3;
        var job = new TuningJob
        {
            Id = $"ftjob-{++_ids:D6}",
            Model = model,
            TrainingFile = training,
            ValidationFile = validation,
            Suffix = suffix,
            Seed = body["seed"] is JsonValue s && s.TryGetValue(out int seed) ? seed : 42,
            Epochs = epochs,
            CreatedAt = ++_clock,
        };
        _jobs.Add(job);
        AddEvent(job, "info", $"Created fine-tuning job: {job.Id}");
        AddEvent(job, "info", $"Validating training file: {training}" + (validation is null ? string.Empty : $" and validation file: {validation}"));
        return (200, job.ToJson().ToJsonString());
    }

    private void Advance(TuningJob job)
    {
        switch (job.Status)
        {
            case "validating_files":
                string? problem = Check(_fileContents[job.TrainingFile], out Dictionary<string, string> learned, out int tokens);
                if (problem is not null)
                {
                    job.Status = "failed";
                    job.FinishedAt = ++_clock;
                    job.ErrorCode = "invalid_training_file";
                    job.ErrorMessage = $"The job failed due to an invalid training file. {problem}";
                    AddEvent(job, "error", job.ErrorMessage);
                    return;
                }

                job.Learned = learned;
                job.Tokens = tokens;
                job.Status = "queued";
                AddEvent(job, "info", "Files validated, moving job to queued state");
                return;
            case "queued":
                job.Status = "running";
                AddEvent(job, "info", "Fine-tuning job started");
                return;
            case "running":
                for (int epoch = 1; epoch <= job.Epochs; epoch++)
                {
                    double loss = Math.Round(2.0 / (epoch + 1), 4);
                    AddEvent(job, "info", $"Step {epoch}/{job.Epochs}: training loss={loss:F4}", "metrics", new JsonObject { ["step"] = epoch, ["train_loss"] = loss });
                }

                job.Status = "succeeded";
                job.FinishedAt = ++_clock;
                job.TrainedTokens = job.Tokens * job.Epochs;
                job.FineTunedModel = $"ft:{job.Model}:llm-stack-test:{job.Suffix ?? "custom"}:{job.Id["ftjob-".Length..]}";
                _tunedModels[job.FineTunedModel] = job.Learned;
                AddEvent(job, "info", $"New fine-tuned model created: {job.FineTunedModel}");
                AddEvent(job, "info", "The job has successfully completed");
                return;
        }
    }

    /// <summary>Checks chat fine-tuning JSONL; returns the first problem, or null with what the model learns (last user message → last assistant message).</summary>
    private static string? Check(string jsonl, out Dictionary<string, string> learned, out int tokens)
    {
        learned = new Dictionary<string, string>(StringComparer.Ordinal);
        tokens = 0;
        string[] lines = jsonl.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            try
            {
                JsonArray messages = JsonNode.Parse(lines[i])!["messages"]!.AsArray();
                string? user = messages.LastOrDefault(m => m!["role"]!.GetValue<string>() == "user")?["content"]?.GetValue<string>();
                string? assistant = messages.LastOrDefault(m => m!["role"]!.GetValue<string>() == "assistant")?["content"]?.GetValue<string>();
                if (assistant is null)
                {
                    return $"Line {i + 1}: the example has no assistant message.";
                }

                tokens += messages.Sum(m => (m!["content"]?.GetValue<string>()?.Length ?? 0) / 4 + 4);
                if (user is not null)
                {
                    learned[user] = assistant;
                }
            }
            catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException)
            {
                return $"Line {i + 1}: expected a JSON object with a 'messages' array.";
            }
        }

        return learned.Count == 0 && tokens == 0 ? "The file has no examples." : null;
    }

    private void AddEvent(TuningJob job, string level, string message, string type = "message", JsonObject? data = null) =>
        job.Events.Add(new JsonObject
        {
            ["object"] = "fine_tuning.job.event",
            ["id"] = $"ftevent-{++_ids:D6}",
            ["created_at"] = ++_clock,
            ["level"] = level,
            ["message"] = message,
            ["type"] = type,
            ["data"] = data,
        });

    private static string Events(TuningJob job, string? after, string? limitText)
    {
        int limit = int.TryParse(limitText, out int l) && l > 0 ? l : 20;
        var newestFirst = Enumerable.Reverse(job.Events).ToList();
        int start = after is null ? 0 : newestFirst.FindIndex(e => e["id"]!.GetValue<string>() == after) + 1;
        List<JsonObject> page = [.. newestFirst.Skip(start).Take(limit)];
        return new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray([.. page.Select(e => e.DeepClone())]),
            ["has_more"] = start + page.Count < newestFirst.Count,
        }.ToJsonString();
    }

    private sealed class TuningJob
    {
        public required string Id { get; init; }

        public required string Model { get; init; }

        public required string TrainingFile { get; init; }

        public string? ValidationFile { get; init; }

        public string? Suffix { get; init; }

        public int Seed { get; init; }

        public int Epochs { get; init; }

        public long CreatedAt { get; init; }

        public string Status { get; set; } = "validating_files";

        public long? FinishedAt { get; set; }

        public string? FineTunedModel { get; set; }

        public string? ErrorCode { get; set; }

        public string? ErrorMessage { get; set; }

        public int? TrainedTokens { get; set; }

        public int Tokens { get; set; }

        public int Looks { get; set; }

        public Dictionary<string, string> Learned { get; set; } = [];

        public List<JsonObject> Events { get; } = [];

        public JsonObject ToJson() => new()
        {
            ["object"] = "fine_tuning.job",
            ["id"] = Id,
            ["model"] = Model,
            ["created_at"] = CreatedAt,
            ["finished_at"] = FinishedAt,
            ["fine_tuned_model"] = FineTunedModel,
            ["organization_id"] = "org-llm-stack-test",
            ["result_files"] = new JsonArray(),
            ["status"] = Status,
            ["validation_file"] = ValidationFile,
            ["training_file"] = TrainingFile,
            ["hyperparameters"] = new JsonObject { ["n_epochs"] = Epochs, ["batch_size"] = 1, ["learning_rate_multiplier"] = 1.0 },
            ["trained_tokens"] = TrainedTokens,
            ["error"] = ErrorCode is null ? null : new JsonObject { ["code"] = ErrorCode, ["message"] = ErrorMessage, ["param"] = "training_file" },
            ["user_provided_suffix"] = Suffix,
            ["seed"] = Seed,
            ["estimated_finish"] = null,
            ["integrations"] = new JsonArray(),
            ["metadata"] = null,
        };
    }
}
