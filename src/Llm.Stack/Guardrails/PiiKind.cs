namespace Llm.Stack;

/// <summary>The kinds of personal data and secrets that <see cref="PiiDetector"/> finds.</summary>
public enum PiiKind
{
    /// <summary>An e-mail address (<c>jane.doe@example.com</c>).</summary>
    Email,

    /// <summary>A telephone number: E.164 (<c>+49 30 1234567</c>) or a common national format (<c>(555) 123-4567</c>, <c>030 1234567</c>, <c>01 23 45 67 89</c>).</summary>
    Phone,

    /// <summary>A payment card number of a known scheme whose Luhn check digit is valid.</summary>
    PaymentCard,

    /// <summary>An international bank account number of a known country's length whose mod-97 check is valid.</summary>
    Iban,

    /// <summary>A US social security number with a valid area, group and serial (<c>123-45-6789</c>).</summary>
    UsSsn,

    /// <summary>An IPv4 or IPv6 address.</summary>
    IPAddress,

    /// <summary>A credential: a key with a well-known prefix, a PEM private-key block, a JWT, a high-entropy token, or the value assigned to a password or key field.</summary>
    Secret,
}
