using System.Security.Cryptography;
using System.Text;

namespace Llm.Stack.Chroma;

/// <summary>
/// Collection names: Chroma accepts 3 to 512 characters from <c>[a-zA-Z0-9._-]</c>, starting and ending with a letter or
/// digit. Such a name is used as is; any other name is stored under a name derived from its SHA-256 hash
/// (<c>llmstack-</c> and 40 hex digits) with the name itself in the collection's metadata (<see cref="NameKey"/>), so that
/// every .NET string names its own collection and lists as itself.
/// </summary>
internal static class ChromaNames
{
    /// <summary>The collection metadata key that holds the name of a collection stored under a derived name.</summary>
    public const string NameKey = "llmstack:name";

    private const string DerivedPrefix = "llmstack-";

    /// <summary>The name the collection has on the server.</summary>
    public static string ServerName(string name)
    {
        if (IsValid(name) && !IsDerived(name))
        {
            return name;
        }

        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        return DerivedPrefix + Convert.ToHexStringLower(hash)[..40];
    }

    /// <summary>Whether the server name is one <see cref="ServerName"/> derives (so the name is in the metadata).</summary>
    public static bool IsDerived(string serverName)
        => serverName.Length == DerivedPrefix.Length + 40 && serverName.StartsWith(DerivedPrefix, StringComparison.Ordinal);

    private static bool IsValid(string name)
    {
        if (name.Length is < 3 or > 512 || !char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1]) || name.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        // Chroma rejects a name that is an IPv4 address.
        return !System.Net.IPAddress.TryParse(name, out System.Net.IPAddress? address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork;
    }
}
