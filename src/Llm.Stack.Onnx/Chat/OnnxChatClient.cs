using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Llm.Stack.Onnx;

/// <summary>
/// An <see cref="IChatClient"/> that runs a local ONNX Runtime GenAI model folder (CPU, CUDA or another execution
/// provider) with streaming, stop sequences, sampling options and tool calling.
/// </summary>
/// <remarks>
/// <para>
/// <b>Native packages.</b> This library references only <c>Microsoft.ML.OnnxRuntimeGenAI.Managed</c>; the application
/// adds the native package: <c>Microsoft.ML.OnnxRuntimeGenAI</c> (CPU) or <c>Microsoft.ML.OnnxRuntimeGenAI.Cuda</c>
/// (NVIDIA GPUs). A missing native library or provider fails in the constructor with one
/// <see cref="InvalidOperationException"/> that names the package to add.
/// </para>
/// <para>
/// <b>Prompt.</b> The conversation is rendered with the model's chat template (GenAI's
/// <c>Tokenizer.ApplyChatTemplate</c>), or with <see cref="OnnxChatClientOptions.PromptFormatter"/>. Tools are passed
/// through the template's <c>tools</c> argument when the template renders them; otherwise they are described in the
/// system prompt with the convention of the model's <see cref="ToolCallFormat"/>. Tool calls in the output become
/// <see cref="FunctionCallContent"/>, so <c>ChatClientBuilder.UseFunctionInvocation()</c> runs them and sends
/// <see cref="FunctionResultContent"/> back as <c>tool</c> messages.
/// </para>
/// <para>
/// <b>Context.</b> A prompt that does not leave room for one new token in the model's context fails with an
/// <see cref="ArgumentException"/> before generation; nothing is truncated silently. The answer ends with
/// <see cref="ChatFinishReason.Length"/> when it reaches <see cref="ChatOptions.MaxOutputTokens"/> or the end of the context.
/// </para>
/// <para>
/// <b>Options.</b> <see cref="ChatOptions.MaxOutputTokens"/>, <see cref="ChatOptions.Temperature"/> (0 is greedy),
/// <see cref="ChatOptions.TopP"/>, <see cref="ChatOptions.TopK"/>, <see cref="ChatOptions.Seed"/>,
/// <see cref="ChatOptions.StopSequences"/>, <see cref="ChatOptions.Instructions"/> and a JSON
/// <see cref="ChatOptions.ResponseFormat"/> are mapped; GenAI's <c>repetition_penalty</c>, <c>no_repeat_ngram_size</c>
/// and <c>min_length</c> can be set through <see cref="ChatOptions.AdditionalProperties"/>. Frequency and presence
/// penalties have no GenAI equivalent and are ignored.
/// </para>
/// <para>
/// <b>LoRA adapters.</b> ONNX Runtime GenAI adapters (<c>.onnx_adapter</c> files) listed in
/// <see cref="OnnxChatClientOptions.Adapters"/> or loaded with <see cref="LoadAdapter"/> share the base model's
/// weights; each request runs the base model, or the adapter its options name with
/// <see cref="OnnxChatOptionsExtensions.WithOnnxAdapter"/> (<c>ChatOptions.AdditionalProperties["onnx_adapter"]</c>).
/// </para>
/// <para>
/// <b>Thread safety.</b> The client is thread-safe. Requests are serialised per client (one generator at a time, a
/// <see cref="SemaphoreSlim"/>): a concurrent request waits until the running one has finished streaming, so a
/// streaming consumer that stops enumerating without disposing the enumerator blocks the others. A request that has
/// to wait reports it through <see cref="ChatQueueWait"/>, so a per-attempt timeout above the client does not count
/// the wait. Cancellation is
/// checked before every token. Do not dispose the client while requests are running.
/// </para>
/// </remarks>
public sealed class OnnxChatClient : IChatClient
{
    private const string ProviderName = "onnxruntime-genai";

    /// <summary>GenAI search options a request may set through <see cref="ChatOptions.AdditionalProperties"/>.</summary>
    private static readonly string[] PassThroughSearchOptions = ["repetition_penalty", "no_repeat_ngram_size", "min_length"];

    private readonly Config? _config;
    private readonly Model _model;
    private readonly Tokenizer _tokenizer;
    private readonly bool _ownsConfig;
    private readonly bool _ownsModel;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ChatModelProfile _profile;
    private readonly ChatClientMetadata _metadata;
    private readonly int _contextLength;
    private readonly ILogger _logger;
    private readonly Lock _adapterLock = new();
    private readonly Dictionary<string, string> _adapterPaths = new(StringComparer.Ordinal);
    private Adapters? _adapters;
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="OnnxChatClient"/> class from a model folder.</summary>
    /// <param name="modelPath">The folder with <c>genai_config.json</c>, the ONNX model and the tokenizer files.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="modelPath"/> is empty or is not a folder with <c>genai_config.json</c>.</exception>
    /// <exception cref="InvalidOperationException">The native GenAI library or the requested execution provider is missing (the message names the NuGet package to add).</exception>
#pragma warning disable RS0027 // The agreed shape is (modelPath, options = null); the Config/Model overloads take more, required, parameters.
    public OnnxChatClient(string modelPath, OnnxChatClientOptions? options = null)
#pragma warning restore RS0027
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        if (!File.Exists(Path.Combine(modelPath, "genai_config.json")))
        {
            throw new ArgumentException($"'{modelPath}' is not an ONNX Runtime GenAI model folder: it has no genai_config.json.", nameof(modelPath));
        }

        options ??= new OnnxChatClientOptions();
        try
        {
            _config = new Config(modelPath);
            _ownsConfig = true;
            GenAiProviderSelection.Apply(new GenAiProviderSelection.ConfigAdapter(_config), options);
            _model = new Model(_config);
            _ownsModel = true;
        }
        catch (Exception ex) when (GenAiProviderSelection.Translate(ex, options.ExecutionProvider) is { } clear)
        {
            _config?.Dispose();
            throw clear;
        }

        try
        {
            _tokenizer = new Tokenizer(_model);
            _profile = ChatModelProfile.Read(_model, _tokenizer, options);
            _metadata = new ChatClientMetadata(ProviderName, new Uri(Path.GetFullPath(modelPath)), options.ModelId ?? new DirectoryInfo(Path.GetFullPath(modelPath)).Name);
            int contextLength = ReadContextLength(modelPath);
            _contextLength = contextLength > 0 ? contextLength : DefaultMaxLength(_model);
            _logger = (ILogger?)options.LoggerFactory?.CreateLogger<OnnxChatClient>() ?? NullLogger.Instance;
            LoadAdapters(options);
            LogLoaded();
        }
        catch
        {
            // Nothing the caller could free: the adapters, tokenizer, model and config were created here.
            _adapters?.Dispose();
            _tokenizer?.Dispose();
            _model.Dispose();
            _config.Dispose();
            throw;
        }
    }

    /// <summary>Initializes a new instance of the <see cref="OnnxChatClient"/> class from a GenAI <see cref="Config"/>.</summary>
    /// <param name="config">The configuration of the model; the provider in <paramref name="options"/>, if any, is applied to it.</param>
    /// <param name="ownsConfig"><see langword="true"/> to dispose <paramref name="config"/> with the client.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="config"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The requested execution provider is missing (the message names the NuGet package to add).</exception>
    public OnnxChatClient(Config config, bool ownsConfig, OnnxChatClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new OnnxChatClientOptions();
        _config = config;
        _ownsConfig = ownsConfig;
        try
        {
            GenAiProviderSelection.Apply(new GenAiProviderSelection.ConfigAdapter(config), options);
            _model = new Model(config);
            _ownsModel = true;
        }
        catch (Exception ex) when (GenAiProviderSelection.Translate(ex, options.ExecutionProvider) is { } clear)
        {
            throw clear;
        }

        _tokenizer = new Tokenizer(_model);
        _profile = ChatModelProfile.Read(_model, _tokenizer, options);
        _metadata = new ChatClientMetadata(ProviderName, providerUri: null, options.ModelId ?? _model.GetModelType());
        _contextLength = DefaultMaxLength(_model);
        _logger = (ILogger?)options.LoggerFactory?.CreateLogger<OnnxChatClient>() ?? NullLogger.Instance;
        LoadAdaptersOrDispose(options);
        LogLoaded();
    }

    /// <summary>Initializes a new instance of the <see cref="OnnxChatClient"/> class from a loaded GenAI <see cref="Model"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="ownsModel"><see langword="true"/> to dispose <paramref name="model"/> with the client.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults. A model's provider is chosen when it is loaded, so <see cref="OnnxChatClientOptions.ExecutionProvider"/> must not be set.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> sets a provider or thread count, which cannot be applied to a loaded model.</exception>
    public OnnxChatClient(Model model, bool ownsModel, OnnxChatClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxChatClientOptions();
        if (options.ExecutionProvider is not null || options.IntraOpThreads != 0)
        {
            throw new ArgumentException("A loaded Model's execution provider and threads are fixed: set ExecutionProvider and IntraOpThreads on the Config it is created from, or use another constructor.", nameof(options));
        }

        _model = model;
        _ownsModel = ownsModel;
        _tokenizer = new Tokenizer(_model);
        _profile = ChatModelProfile.Read(_model, _tokenizer, options);
        _metadata = new ChatClientMetadata(ProviderName, providerUri: null, options.ModelId ?? _model.GetModelType());
        _contextLength = DefaultMaxLength(_model);
        _logger = (ILogger?)options.LoggerFactory?.CreateLogger<OnnxChatClient>() ?? NullLogger.Instance;
        LoadAdaptersOrDispose(options);
        LogLoaded();
    }

    /// <summary>Gets the tool-call format the client parses (resolved from <see cref="OnnxChatClientOptions.ToolCallFormat"/> and the model).</summary>
    public ToolCallFormat ToolCallFormat => _profile.ToolCallFormat;

    /// <summary>Gets the model's context length in tokens (prompt plus answer).</summary>
    public int ContextLength => _contextLength;

    /// <summary>Gets the names of the loaded LoRA adapters.</summary>
    /// <value>A snapshot, in no particular order.</value>
    public IReadOnlyCollection<string> AdapterNames
    {
        get
        {
            lock (_adapterLock)
            {
                return [.. _adapterPaths.Keys];
            }
        }
    }

    /// <summary>Loads a LoRA adapter (an ONNX Runtime GenAI <c>.onnx_adapter</c> file) that requests can then select by name.</summary>
    /// <param name="adapterName">The name requests select the adapter by (<see cref="OnnxChatOptionsExtensions.WithOnnxAdapter"/>).</param>
    /// <param name="adapterPath">The adapter file.</param>
    /// <remarks>Thread-safe; running requests are not affected. The file is read when it is loaded.</remarks>
    /// <exception cref="ArgumentException">A name or path is empty, an adapter of that name is already loaded, the file does not exist or is not an adapter file.</exception>
    /// <exception cref="ObjectDisposedException">The client is disposed.</exception>
    public void LoadAdapter(string adapterName, string adapterPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(adapterName);
        ArgumentException.ThrowIfNullOrWhiteSpace(adapterPath);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        string fullPath = Path.GetFullPath(adapterPath);
        if (!File.Exists(fullPath))
        {
            throw new ArgumentException($"The LoRA adapter file '{fullPath}' (adapter '{adapterName}') does not exist.", nameof(adapterPath));
        }

        lock (_adapterLock)
        {
            if (_adapterPaths.TryGetValue(adapterName, out string? loadedPath))
            {
                throw new ArgumentException($"A LoRA adapter named '{adapterName}' is already loaded (from '{loadedPath}').", nameof(adapterName));
            }

            _adapters ??= new Adapters(_model);
            try
            {
                _adapters.LoadAdapter(fullPath, adapterName);
            }
            catch (OnnxRuntimeGenAIException ex)
            {
                throw new ArgumentException($"'{fullPath}' (adapter '{adapterName}') is not an ONNX Runtime adapter file (.onnx_adapter): {ex.Message}", nameof(adapterPath), ex);
            }

            _adapterPaths.Add(adapterName, fullPath);
        }

        OnnxLog.AdapterLoaded(_logger, adapterName, fullPath, _metadata.DefaultModelId!);
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        IReadOnlyList<ChatMessage> list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        if (options?.MaxOutputTokens is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxOutputTokens, "ChatOptions.MaxOutputTokens must be positive.");
        }

        string? adapterName = options.GetOnnxAdapter();
        if (adapterName is not null)
        {
            lock (_adapterLock)
            {
                if (!_adapterPaths.ContainsKey(adapterName))
                {
                    string loaded = _adapterPaths.Count == 0 ? "none is loaded" : "loaded: " + string.Join(", ", _adapterPaths.Keys.Order(StringComparer.Ordinal));
                    throw new ArgumentException($"The request selects the LoRA adapter '{adapterName}' (ChatOptions.AdditionalProperties[\"{OnnxChatOptionsExtensions.AdapterPropertyName}\"]), but no adapter of that name is loaded ({loaded}).", nameof(options));
                }
            }
        }

        if (!_gate.Wait(0, CancellationToken.None))
        {
            // Waiting for the running request: tell a per-attempt timeout above (UseLlmResilience) not to count it.
            using (ChatQueueWait.Begin())
            {
                await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        try
        {
            // Off the caller's thread: the token loop below is compute-bound.
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            long startTimestamp = _logger.IsEnabled(LogLevel.Debug) ? Stopwatch.GetTimestamp() : 0;

            bool parseTools = ToolCallFormat != ToolCallFormat.None && options?.ToolMode is not NoneChatToolMode && ToolCallConventions.Functions(options).Count > 0;
            string prompt = FormatPrompt(list, parseTools ? options : WithoutTools(options));
            using Sequences sequences = _tokenizer.Encode(prompt);
            ReadOnlySpan<int> promptTokens = sequences[0];
            int inputTokens = promptTokens.Length;
            OnnxLog.Prompt(_logger, _metadata.DefaultModelId!, prompt);
            using Activity? activity = OnnxTelemetry.StartChat(ProviderName, _metadata.DefaultModelId!, inputTokens);
            if (inputTokens >= _contextLength)
            {
                throw new ArgumentException($"The prompt is {inputTokens} tokens long, which leaves no room for an answer in the model's context of {_contextLength} tokens. Shorten the conversation.", nameof(messages));
            }

            int maxLength = options?.MaxOutputTokens is int maxOutput ? (int)Math.Min(_contextLength, (long)inputTokens + maxOutput) : _contextLength;

            using var generatorParams = new GeneratorParams(_model);
            ApplySearchOptions(generatorParams, options, maxLength);
            using var generator = new Generator(_model, generatorParams);
            if (adapterName is not null)
            {
                ActivateAdapter(generator, adapterName, promptTokens);
            }
            else
            {
                generator.AppendTokens(promptTokens);
            }

            using TokenizerStream stream = _tokenizer.CreateStream();

            var filter = new StreamingTextFilter(options?.StopSequences, parseTools ? ToolCallParser.StartMarker(ToolCallFormat) : null, parseTools && ToolCallFormat == ToolCallFormat.Llama3Json);
            string responseId = NewId("chatcmpl-");
            string messageId = NewId("msg-");
            DateTimeOffset createdAt = DateTimeOffset.UtcNow;
            string modelId = _metadata.DefaultModelId!;
            int outputTokens = 0;
            ChatFinishReason finishReason = ChatFinishReason.Length;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (generator.IsDone())
                {
                    break;
                }

                generator.GenerateNextToken();
                int token = generator.GetNextTokens()[0];
                outputTokens++;
                if (Array.IndexOf(_profile.EosTokenIds, token) >= 0)
                {
                    finishReason = ChatFinishReason.Stop;
                    break;
                }

                string text = filter.Push(stream.Decode(token));
                if (text.Length > 0)
                {
                    yield return new ChatResponseUpdate(ChatRole.Assistant, text)
                    {
                        ResponseId = responseId,
                        MessageId = messageId,
                        CreatedAt = createdAt,
                        ModelId = modelId,
                    };
                }

                if (filter.Stopped)
                {
                    finishReason = ChatFinishReason.Stop;
                    break;
                }
            }

            var contents = new List<AIContent>();
            string rest = filter.Flush();
            if (rest.Length > 0)
            {
                contents.Add(new TextContent(rest));
            }

            if (filter.ToolCallText is { } toolText)
            {
                var calls = new List<FunctionCallContent>();
                string unparsed = ToolCallParser.Parse(toolText, ToolCallFormat, () => NewId("call_"), calls);
                if (unparsed.Length > 0)
                {
                    contents.Add(new TextContent(unparsed));
                }

                if (calls.Count > 0)
                {
                    contents.AddRange(calls);
                    finishReason = ChatFinishReason.ToolCalls;
                }
            }

            contents.Add(new UsageContent(new UsageDetails
            {
                InputTokenCount = inputTokens,
                OutputTokenCount = outputTokens,
                TotalTokenCount = inputTokens + outputTokens,
            }));
            activity?.SetTag(TelemetryTags.OutputTokens, outputTokens).SetTag(TelemetryTags.FinishReasons, new[] { finishReason.Value });
            if (startTimestamp != 0 && _logger.IsEnabled(LogLevel.Debug))
            {
                double elapsedMs = Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
                OnnxLog.Generated(_logger, inputTokens, outputTokens, modelId, elapsedMs, finishReason.Value);
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, contents)
            {
                ResponseId = responseId,
                MessageId = messageId,
                CreatedAt = createdAt,
                ModelId = modelId,
                FinishReason = finishReason,
            };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType == typeof(Model) ? _model
            : serviceType == typeof(Tokenizer) ? _tokenizer
            : serviceType == typeof(Config) ? _config
            : serviceType == typeof(Adapters) ? _adapters
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Frees the tokenizer, and the model and configuration when the client owns them.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _adapters?.Dispose();
        _tokenizer.Dispose();
        if (_ownsModel)
        {
            _model.Dispose();
        }

        if (_ownsConfig)
        {
            _config?.Dispose();
        }

        _gate.Dispose();
    }

    /// <summary>Formats the prompt the model sees for <paramref name="messages"/> (exposed for tests and diagnostics).</summary>
    internal string FormatPrompt(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        if (_profile.Formatter is { } formatter)
        {
            return formatter.Format(messages, options);
        }

        List<AIFunctionDeclaration> functions = ToolCallConventions.Functions(options);
        List<PromptMessage> normalized = PromptMessages.Normalize(messages, options, ToolCallFormat, _profile.TemplateTakesTools, _profile.TemplateRendersToolCalls);
        string? tools = functions.Count > 0 && _profile.TemplateTakesTools ? ToolCallConventions.ToolsJson(functions) : null;
        return _tokenizer.ApplyChatTemplate(null, PromptMessages.ToJson(normalized), tools, true);
    }

    private void LoadAdapters(OnnxChatClientOptions options)
    {
        foreach ((string name, string path) in options.Adapters)
        {
            LoadAdapter(name, path);
        }
    }

    /// <summary>Loads the configured adapters in a constructor that did not create its model from a path; frees what the client owns on failure.</summary>
    private void LoadAdaptersOrDispose(OnnxChatClientOptions options)
    {
        try
        {
            LoadAdapters(options);
        }
        catch
        {
            _adapters?.Dispose();
            _tokenizer.Dispose();
            if (_ownsModel)
            {
                _model.Dispose();
            }

            throw;
        }
    }

    /// <summary>Runs the prompt with the adapter active; an adapter whose tensors the model does not take fails here, when ONNX Runtime first runs with it.</summary>
    private void ActivateAdapter(Generator generator, string adapterName, ReadOnlySpan<int> promptTokens)
    {
        try
        {
            generator.SetActiveAdapter(_adapters!, adapterName);
            generator.AppendTokens(promptTokens);
        }
        catch (OnnxRuntimeGenAIException ex)
        {
            string path;
            lock (_adapterLock)
            {
                path = _adapterPaths[adapterName];
            }

            throw new InvalidOperationException($"The LoRA adapter '{adapterName}' ('{path}') does not fit the model '{_metadata.DefaultModelId}': {ex.Message}", ex);
        }
    }

    private void LogLoaded()
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            string modelId = _metadata.DefaultModelId!;
            string modelType = _model.GetModelType();
            OnnxLog.ChatModelLoaded(_logger, modelId, modelType, _contextLength, ToolCallFormat);
        }
    }

    private static ChatOptions? WithoutTools(ChatOptions? options)
    {
        if (options?.Tools is not { Count: > 0 })
        {
            return options;
        }

        ChatOptions clone = options.Clone();
        clone.Tools = null;
        return clone;
    }

    private static void ApplySearchOptions(GeneratorParams generatorParams, ChatOptions? options, int maxLength)
    {
        generatorParams.SetSearchOption("max_length", maxLength);
        if (options is null)
        {
            return;
        }

        bool sample = options.Temperature is > 0f || ((options.TopP is not null || options.TopK is not null) && options.Temperature is not 0f);
        generatorParams.SetSearchOption("do_sample", sample);
        if (options.Temperature is float temperature && temperature > 0f)
        {
            generatorParams.SetSearchOption("temperature", temperature);
        }

        if (options.TopP is float topP)
        {
            generatorParams.SetSearchOption("top_p", topP);
        }

        if (options.TopK is int topK)
        {
            generatorParams.SetSearchOption("top_k", topK);
        }
        else if (sample && generatorParams.GetSearchNumber("top_k") == 1)
        {
            // Many genai_config.json files say top_k = 1 (greedy); a request for sampling means the whole vocabulary.
            generatorParams.SetSearchOption("top_k", 0);
        }

        if (options.Seed is long seed)
        {
            generatorParams.SetSearchOption("random_seed", seed);
        }

        if (options.AdditionalProperties is { Count: > 0 } additional)
        {
            foreach (string name in PassThroughSearchOptions)
            {
                if (additional.TryGetValue(name, out object? value) && value is not null)
                {
                    generatorParams.SetSearchOption(name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        if (options.ResponseFormat is ChatResponseFormatJson json)
        {
            string schema = json.Schema is JsonElement s ? s.GetRawText() : "{\"type\":\"object\"}";
            try
            {
                generatorParams.SetGuidance("json_schema", schema, false);
            }
            catch (OnnxRuntimeGenAIException ex)
            {
                throw new NotSupportedException($"This ONNX Runtime GenAI build cannot constrain output to a JSON schema (guidance): {ex.Message}", ex);
            }
        }
    }

    private static int ReadContextLength(string modelPath)
    {
        try
        {
            using FileStream file = File.OpenRead(Path.Combine(modelPath, "genai_config.json"));
            using JsonDocument document = JsonDocument.Parse(file);
            return document.RootElement.TryGetProperty("model", out JsonElement model)
                && model.TryGetProperty("context_length", out JsonElement length)
                && length.TryGetInt32(out int value) ? value : 0;
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    private static int DefaultMaxLength(Model model)
    {
        using var generatorParams = new GeneratorParams(model);
        return (int)generatorParams.GetSearchNumber("max_length");
    }

    private static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..16];
}
