namespace Llm.Stack;

/// <summary>
/// The limits and access rules of the OpenAI-compatible endpoints, bound from <c>LlmStack:Server</c> or given in code to
/// <c>app.MapOpenAIEndpoints(settings: …)</c> (Llm.Stack.Server); <c>llmstack serve</c> also listens on
/// <see cref="Host"/> and <see cref="Port"/>.
/// </summary>
/// <remarks>
/// Bound from configuration, the settings are validated by <c>AddLlmStack(configuration)</c> with the full key path of
/// each problem; each setter refuses a value that would disable its limit. Not thread-safe to mutate: set them before
/// the endpoints are mapped.
/// </remarks>
public sealed class ServerSettings
{
    /// <summary>Gets or sets the IP address a host built on these settings (<c>llmstack serve</c>) listens on.</summary>
    /// <value>
    /// An IPv4 or IPv6 address. The default value is <c>127.0.0.1</c>: this machine only. Any address other than a
    /// loopback one needs <see cref="ApiKey"/>.
    /// </value>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Gets or sets the port a host built on these settings (<c>llmstack serve</c>) listens on.</summary>
    /// <value>From 0 to 65535; 0 picks a free port. The default value is 8080.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or above 65535.</exception>
    public int Port { get; set => field = OptionRange.Check(value, 0, 65535); } = 8080;

    /// <summary>Gets or sets the API key clients must send as <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: no key is asked for, and only requests arriving on a loopback address
    /// are served (others get 403). Keys are compared in constant time. Keep it out of files that are shared: set it through the environment
    /// (<c>LlmStack__Server__ApiKey</c>, or <c>LLMSTACK_SERVER_API_KEY</c> for the CLI) or a secret store. Never logged.
    /// </value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the largest request body accepted, in bytes; a larger one gets 413.</summary>
    /// <value>The default value is 1 MiB (1048576).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public long MaxRequestBodySize { get; set => field = OptionRange.Check(value, 1); } = 1024 * 1024;

    /// <summary>Gets or sets how many requests are answered at once; past it a request gets 429 with <c>Retry-After</c>.</summary>
    /// <value>The default value is 4.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public int MaxConcurrentRequests { get; set => field = OptionRange.Check(value, 1); } = 4;

    /// <summary>Gets or sets how long one request may take; past it the answer is cancelled (504 when nothing was sent yet).</summary>
    /// <value>The default value is 5 minutes (<c>00:05:00</c>).</value>
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

    /// <summary>
    /// Gets or sets the folder the monitoring dashboard (<c>MapLlmStackDashboard</c>, <c>llmstack serve</c>) lists
    /// <c>llmstack eval</c> reports from: every report JSON file in it and its folders, newest first, each with its
    /// regression diff against its baseline. <c>llmstack eval</c> saves a copy of each report's JSON there.
    /// </summary>
    /// <value>A path; a relative one is under <c>LlmStack:DataDirectory</c>. The default value is <c>eval-reports</c>.</value>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    public string EvaluationReportsDirectory
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "eval-reports";

    /// <summary>Gets the origins browsers may call the server from (CORS), such as <c>https://app.example</c>, or <c>*</c> for any.</summary>
    /// <value>
    /// The default value is an empty list: CORS is off. In configuration, an array
    /// (<c>"AllowedOrigins": ["https://app.example"]</c>) or one value with origins separated by commas.
    /// </value>
    public IList<string> AllowedOrigins { get; } = [];
}
