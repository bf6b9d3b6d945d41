namespace Llm.Stack.Server;

/// <summary>Limits and access rules of the OpenAI-compatible endpoints mapped by <c>MapOpenAIEndpoints</c>.</summary>
/// <remarks>
/// The endpoints read the options once, when they are mapped; change them before that. Not thread-safe to mutate.
/// The same limits can be set in configuration under <c>LlmStack:Server</c> (<see cref="ServerSettings"/>), which
/// <c>MapOpenAIEndpoints</c> reads when no options are given in code.
/// </remarks>
public sealed class OpenAIEndpointOptions
{
    /// <summary>Gets or sets the API key clients must send as <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: no key is asked for, and only requests that arrive on a
    /// loopback address are served (any other gets 403). Set a key (from configuration or the environment, never
    /// in code) to serve other addresses. Keys are compared in constant time.
    /// </value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the largest request body accepted, in bytes; a larger one gets 413.</summary>
    /// <value>The default value is 1 MiB.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public long MaxRequestBodySize
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 1024 * 1024;

    /// <summary>Gets or sets how many requests are answered at once; past it a request gets 429 with <c>Retry-After</c>.</summary>
    /// <value>The default value is 4.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public int MaxConcurrentRequests
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 4;

    /// <summary>Gets or sets how long one request may take; past it the answer is cancelled (504 when nothing was sent yet).</summary>
    /// <value>The default value is 5 minutes.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan RequestTimeout
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromMinutes(5);

    /// <summary>Gets the origins browsers may call the endpoints from (CORS), such as <c>https://app.example</c>, or <c>*</c> for any.</summary>
    /// <value>The default value is an empty list: CORS is off and browsers on other origins cannot read the answers.</value>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>The options that the <c>LlmStack:Server</c> settings describe.</summary>
    internal static OpenAIEndpointOptions From(ServerSettings settings)
    {
        var options = new OpenAIEndpointOptions
        {
            ApiKey = string.IsNullOrWhiteSpace(settings.ApiKey) ? null : settings.ApiKey,
            MaxRequestBodySize = settings.MaxRequestBodySize,
            MaxConcurrentRequests = settings.MaxConcurrentRequests,
            RequestTimeout = settings.RequestTimeout,
        };
        foreach (string origin in settings.AllowedOrigins)
        {
            options.AllowedOrigins.Add(origin);
        }

        return options;
    }
}
