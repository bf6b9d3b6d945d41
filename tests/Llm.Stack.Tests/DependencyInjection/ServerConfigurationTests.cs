using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Llm.Stack.Tests.DependencyInjection;

/// <summary><c>LlmStack:Server</c>: the OpenAI-compatible server's limits, bound and validated inside <c>AddLlmStack</c>.</summary>
public sealed class ServerConfigurationTests
{
    private static IConfiguration Config(params (string Key, string? Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    private static ServerSettings Bind(params (string Key, string? Value)[] pairs)
    {
        var services = new ServiceCollection();
        services.AddLlmStack(Config(pairs));
        using ServiceProvider provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<LlmStackOptions>>().Value.Server;
    }

    private static string[] Failures(params (string Key, string? Value)[] pairs) =>
        [.. Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddLlmStack(Config(pairs))).Failures];

    [Fact]
    public void Every_limit_binds_from_the_Server_section()
    {
        ServerSettings server = Bind(
            ("LlmStack:Server:Host", "0.0.0.0"),
            ("LlmStack:Server:Port", "9090"),
            ("LlmStack:Server:ApiKey", "s3cret"),
            ("LlmStack:Server:MaxRequestBodySize", "65536"),
            ("LlmStack:Server:MaxConcurrentRequests", "16"),
            ("LlmStack:Server:RequestTimeout", "00:00:30"),
            ("LlmStack:Server:AllowedOrigins:0", "https://app.example"),
            ("LlmStack:Server:AllowedOrigins:1", "http://localhost:3000"),
            ("LlmStack:Server:EvaluationReportsDirectory", "/srv/eval"));

        Assert.Equal("0.0.0.0", server.Host);
        Assert.Equal(9090, server.Port);
        Assert.Equal("s3cret", server.ApiKey);
        Assert.Equal(65536, server.MaxRequestBodySize);
        Assert.Equal(16, server.MaxConcurrentRequests);
        Assert.Equal(TimeSpan.FromSeconds(30), server.RequestTimeout);
        Assert.Equal(["https://app.example", "http://localhost:3000"], server.AllowedOrigins);
        Assert.Equal("/srv/eval", server.EvaluationReportsDirectory);
    }

    [Fact]
    public void Without_the_section_the_defaults_are_loopback_no_key_one_MiB_four_requests_five_minutes_no_CORS()
    {
        ServerSettings server = Bind(("LlmStack:DataDirectory", ".data"));

        Assert.Equal("127.0.0.1", server.Host);
        Assert.Equal(8080, server.Port);
        Assert.Null(server.ApiKey);
        Assert.Equal(1024 * 1024, server.MaxRequestBodySize);
        Assert.Equal(4, server.MaxConcurrentRequests);
        Assert.Equal(TimeSpan.FromMinutes(5), server.RequestTimeout);
        Assert.Empty(server.AllowedOrigins);
        Assert.Equal("eval-reports", server.EvaluationReportsDirectory);
    }

    [Fact]
    public void Origins_may_be_one_comma_separated_value_as_an_environment_variable_gives_them()
    {
        ServerSettings server = Bind(("LlmStack:Server:AllowedOrigins", "https://a.example, https://b.example:8443"));

        Assert.Equal(["https://a.example", "https://b.example:8443"], server.AllowedOrigins);
    }

    [Theory]
    [InlineData("LlmStack:Server:MaxRequestBodySize", "0", "LlmStack:Server:MaxRequestBodySize is '0', which is not allowed: it must be at least 1.")]
    [InlineData("LlmStack:Server:MaxRequestBodySize", "1MB", "LlmStack:Server:MaxRequestBodySize is '1MB', which is not a whole number.")]
    [InlineData("LlmStack:Server:MaxConcurrentRequests", "-2", "LlmStack:Server:MaxConcurrentRequests is '-2', which is not allowed: it must be at least 1.")]
    [InlineData("LlmStack:Server:RequestTimeout", "00:00:00", "LlmStack:Server:RequestTimeout is '00:00:00', which is not allowed: it is out of range for this setting.")]
    [InlineData("LlmStack:Server:RequestTimeout", "soon", "LlmStack:Server:RequestTimeout is 'soon', which is not a time span such as 00:05:00.")]
    [InlineData("LlmStack:Server:Port", "70000", "LlmStack:Server:Port is '70000', which is not allowed: it must be from 0 to 65535.")]
    [InlineData("LlmStack:Server:Host", "example.com", "LlmStack:Server:Host must be an IP address such as 127.0.0.1 or 0.0.0.0, but is 'example.com'.")]
    [InlineData("LlmStack:Server:AllowedOrigins", "https://app.example/path", "LlmStack:Server:AllowedOrigins has 'https://app.example/path', which is not an origin")]
    [InlineData("LlmStack:Server:EvaluationReportsDirectory", " ", "LlmStack:Server:EvaluationReportsDirectory is ' ', which is not allowed: ")]
    [InlineData("LlmStack:Server:MaxBodySize", "10", "LlmStack:Server:MaxBodySize is not a known key.")]
    [InlineData("LlmStack:Server", "on", "LlmStack:Server is a section, not a value: set its keys instead, such as LlmStack:Server:Host.")]
    public void A_bad_value_fails_inside_AddLlmStack_naming_the_full_key(string key, string value, string expected)
    {
        Assert.Contains(Failures((key, value)), f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_key_names_the_known_ones()
    {
        string failure = Assert.Single(Failures(("LlmStack:Server:MaxConcurrentRequest", "2")));

        Assert.StartsWith("LlmStack:Server:MaxConcurrentRequest is not a known key. Did you mean LlmStack:Server:MaxConcurrentRequests?", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_public_address_without_an_API_key_fails_naming_both_keys_and_never_the_key_itself()
    {
        string failure = Assert.Single(Failures(("LlmStack:Server:Host", "0.0.0.0")));
        Assert.Equal("LlmStack:Server:Host is 0.0.0.0, which exposes the server beyond this machine: set LlmStack:Server:ApiKey too (clients send it as 'Authorization: Bearer <key>').", failure);

        Assert.Equal("::1", Bind(("LlmStack:Server:Host", "::1")).Host);
        string[] others = Failures(("LlmStack:Server:Host", "0.0.0.0"), ("LlmStack:Server:ApiKey", "s3cret"), ("LlmStack:Server:Port", "-1"));
        Assert.DoesNotContain(others, f => f.Contains("s3cret", StringComparison.Ordinal));
    }
}
