using Microsoft.Extensions.Options;

namespace Llm.Stack;

/// <summary>Fails validation when a <c>Provider</c> key names a provider no package registered (see <see cref="ConfiguredProviders"/>).</summary>
internal sealed class ConfiguredProviderValidator(ConfiguredProviders providers) : IValidateOptions<LlmStackOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmStackOptions options)
    {
        List<string> errors = [.. providers.Validate(options)];
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
