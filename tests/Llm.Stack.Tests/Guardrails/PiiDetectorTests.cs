namespace Llm.Stack.Tests.Guardrails;

/// <summary>What <see cref="PiiDetector"/> reports, what it must not, its validators, and its cost when nothing is found.</summary>
public sealed class PiiDetectorTests
{
    [Theory]
    [InlineData("Write to jane.doe+news@mail.example.co.uk today.", PiiKind.Email, "jane.doe+news@mail.example.co.uk")]
    [InlineData("<OPS@Contoso.COM>", PiiKind.Email, "OPS@Contoso.COM")]
    [InlineData("Call +49 30 1234567 now", PiiKind.Phone, "+49 30 1234567")]
    [InlineData("Call +1 (555) 123-4567.", PiiKind.Phone, "+1 (555) 123-4567")]
    [InlineData("Office (415) 555-0132, ask for Ann", PiiKind.Phone, "(415) 555-0132")]
    [InlineData("cell 415.555.0177", PiiKind.Phone, "415.555.0177")]
    [InlineData("Tel. 030 12345678", PiiKind.Phone, "030 12345678")]
    [InlineData("au 01 23 45 67 89 svp", PiiKind.Phone, "01 23 45 67 89")]
    [InlineData("tel. 22 123 45 67", PiiKind.Phone, "22 123 45 67")]
    [InlineData("teléfono 912 345 678", PiiKind.Phone, "912 345 678")]
    [InlineData("card 4111-1111-1111-1111 exp 12/27", PiiKind.PaymentCard, "4111-1111-1111-1111")]
    [InlineData("amex 3782 822463 10005", PiiKind.PaymentCard, "3782 822463 10005")]
    [InlineData("mc 5555555555554444.", PiiKind.PaymentCard, "5555555555554444")]
    [InlineData("IBAN: DE89 3704 0044 0532 0130 00.", PiiKind.Iban, "DE89 3704 0044 0532 0130 00")]
    [InlineData("to GB29NWBK60161331926819 please", PiiKind.Iban, "GB29NWBK60161331926819")]
    [InlineData("IBAN de89 3704 0044 0532 0130 00 please", PiiKind.Iban, "de89 3704 0044 0532 0130 00")]
    [InlineData("to gb29nwbk60161331926819, thanks", PiiKind.Iban, "gb29nwbk60161331926819")]
    [InlineData("IBAN DE89\u00A03704\u00A00044\u00A00532\u00A00130\u00A000.", PiiKind.Iban, "DE89\u00A03704\u00A00044\u00A00532\u00A00130\u00A000")]
    [InlineData("my card (4111 1111 1111 1111) was charged", PiiKind.PaymentCard, "4111 1111 1111 1111")]
    [InlineData("the gateway (192.168.0.1) answers", PiiKind.IPAddress, "192.168.0.1")]
    [InlineData("Bitte (0171 1234567) anrufen", PiiKind.Phone, "0171 1234567")]
    [InlineData("Mi número es 612 345 678.", PiiKind.Phone, "612 345 678")]
    [InlineData("Mój numer: 512 345 678", PiiKind.Phone, "512 345 678")]
    [InlineData("SSN 123-45-6789", PiiKind.UsSsn, "123-45-6789")]
    [InlineData("SSN: 536224189", PiiKind.UsSsn, "536224189")]
    [InlineData("from 192.168.0.1:8080", PiiKind.IPAddress, "192.168.0.1")]
    [InlineData("route 10.0.0.0/8 via eth0", PiiKind.IPAddress, "10.0.0.0")]
    [InlineData("host [2001:db8::ff00:42:8329]:443", PiiKind.IPAddress, "2001:db8::ff00:42:8329")]
    [InlineData("mapped ::ffff:192.0.2.128 ok", PiiKind.IPAddress, "::ffff:192.0.2.128")]
    [InlineData("key ghp_9b2Rann76dEyTzAeKOmXRrvftva9AW7hipTg in the log", PiiKind.Secret, "ghp_9b2Rann76dEyTzAeKOmXRrvftva9AW7hipTg")]
    [InlineData("id AKIAIOSFODNN7EXAMPLE.", PiiKind.Secret, "AKIAIOSFODNN7EXAMPLE")]
    [InlineData("export DB_PASSWORD='hunter2!x'", PiiKind.Secret, "hunter2!x")]
    [InlineData("{\"apiKey\": \"3hG7kLm2Q9\"}", PiiKind.Secret, "3hG7kLm2Q9")]
    [InlineData("secret is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ok", PiiKind.Secret, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")]
    [InlineData("t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end", PiiKind.Secret, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")]
    public void FindsEachKind(string text, PiiKind kind, string value)
    {
        PiiMatch match = Assert.Single(PiiDetector.Default.Detect(text));

        Assert.Equal(kind, match.Kind);
        Assert.Equal(value, text.Substring(match.Start, match.Length));
    }

    [Theory]
    [InlineData("Invoice 2024-00931 of 03/11/2024 over $1,249.90 (order #88231904, 2.35 kg).")]
    [InlineData("ISBN 978-3-16-148410-0, ISBN 0-306-40615-2, ISSN 0317-8471, DOI 10.1000/182.")]
    [InlineData("Version 1.2.3.4 of the agent, release 2.4.0.1, v10.0.0.1, Windows 10.0.19045.4291, OID 1.3.6.1.4.1.2021.10.1.3.1.")]
    [InlineData("commit a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0, sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("trace 550e8400-e29b-41d4-a716-446655440000, MAC 3C:22:FB:9A:01:7E, at 12:45:07, std::vector, 2024-06-01T12:00:03Z")]
    [InlineData("Luhn-valid order numbers 1632122330792447 and 9026859952890788; a card typo 4111111111111112.")]
    [InlineData("Not an IBAN: DE89 3704 0044 0532 0130 01, NO93 8601 1117 948, USt-IdNr. DE123456789.")]
    [InlineData("Nor in lowercase: de89 3704 0044 0532 0130 01, gb29nwbk60161331926818; and (2019), (12 345 units), (v1.2.3), (ISBN 978-3-16-148410-0).")]
    [InlineData("Mi número de pedido es 612345678; mój numer zamówienia 512345678; my number of orders is 1234567.")]
    [InlineData("Invalid SSNs 000-12-3456, 666-12-3456, 912-34-5678, 123-00-4567, 123-45-0000, 078-05-1120.")]
    [InlineData("Not addresses: 999.1.1.1, 10.0.0.256, 01.02.03.04, 1.2.3, dead::beef, ::")]
    [InlineData("Identifiers MicrosoftExtensionsAIAbstractions, OpenAIChatClientBuilderExtensions, src/Llm.Stack/Guardrails/PiiDetector.cs")]
    [InlineData("The population went from 38 386 000 to 38 265 000; 1 234,56 zł; 12 34 56 78 90 as bucket sizes; seed 1234567890.")]
    [InlineData("password: correct horse, token: <redacted>, api_key=${OPENAI_API_KEY}, \"password\": \"\", pwd=********")]
    [InlineData("Kundennummer 0049 1234 5678, Rechnungsnummer 0815-4711-42, número de cliente 00123456.")]
    [InlineData("sk-learn-compatible-estimators and the well-known user@localhost, not @mentions, nor //app@db.internal")]
    [InlineData("An inline image ![dot](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==) in the page.")]
    public void ReportsNoLookAlike(string text)
    {
        IReadOnlyList<PiiMatch> found = PiiDetector.Default.Detect(text);

        Assert.True(found.Count == 0, string.Join(", ", found.Select(m => $"{m.Kind} '{text.Substring(m.Start, m.Length)}'")));
    }

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("378282246310005", true)]
    [InlineData("6011111111111117", true)]
    [InlineData("30569309025904", true)]
    [InlineData("4111111111111121", false)]
    [InlineData("378282246310006", false)]
    public void LuhnChecksTheLastDigit(string number, bool valid) => Assert.Equal(valid, PiiDetector.IsLuhnValid(number));

    [Theory]
    [InlineData("DE89370400440532013000")]
    [InlineData("FR1420041010050500013M02606")]
    [InlineData("ES9121000418450200051332")]
    [InlineData("PL61109010140000071219812874")]
    [InlineData("NL91ABNA0417164300")]
    [InlineData("CH9300762011623852957")]
    [InlineData("IT60X0542811101000000123456")]
    [InlineData("NO9386011117947")]
    public void Mod97AcceptsRegistryExamplesAndRejectsEverySingleDigitChange(string iban)
    {
        Assert.True(PiiDetector.IsIbanChecksumValid(iban));
        for (int i = 2; i < iban.Length; i++)
        {
            if (char.IsAsciiDigit(iban[i]))
            {
                char other = (char)('0' + ((iban[i] - '0' + 1) % 10));
                Assert.False(PiiDetector.IsIbanChecksumValid(string.Concat(iban.AsSpan(0, i), [other], iban.AsSpan(i + 1))), $"{iban} with {other} at {i}");
            }
        }
    }

    [Fact]
    public void AnIbanNeedsItsCountrysLength()
    {
        Assert.Single(PiiDetector.Default.Detect("NO9386011117947"));
        Assert.Empty(PiiDetector.Default.Detect("QQ9386011117947"));                    // no such country
        Assert.Empty(PiiDetector.Default.Detect("DE8937040044053201300"));              // one character short
    }

    [Theory]
    [InlineData("123-45-6789", true)]
    [InlineData("899-99-9999", true)]
    [InlineData("000-45-6789", false)]
    [InlineData("666-45-6789", false)]
    [InlineData("900-45-6789", false)]
    [InlineData("123-00-6789", false)]
    [InlineData("123-45-0000", false)]
    [InlineData("219-09-9999", false)]
    public void SocialSecurityNumbersNeedAValidAreaGroupAndSerial(string ssn, bool valid) => Assert.Equal(valid, PiiDetector.IsValidSsn(ssn));

    [Theory]
    [InlineData("1:2:3:4:5:6:7:8", true)]
    [InlineData("2001:db8::1", true)]
    [InlineData("::1", true)]
    [InlineData("fe80::", true)]
    [InlineData("ab::cd", false)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("1:2:3:4:5:6:7", false)]
    [InlineData("1:2:3:4:5:6:7:8:9", false)]
    [InlineData("1::2::3", false)]
    [InlineData("12345::1", false)]
    [InlineData("1:2:3:4:5:6:7:", false)]
    public void IPv6NeedsEightGroupsOrOneCompression(string address, bool valid) => Assert.Equal(valid, PiiDetector.IsIPv6(address));

    [Fact]
    public void AKeyBlockIsOneSecretAndACertificateIsNone()
    {
        const string key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----";
        const string certificate = "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJRTES\n-----END CERTIFICATE-----";
        string text = $"key:\n{key}\ncert:\n{certificate}\n";

        PiiMatch match = Assert.Single(PiiDetector.Default.Detect(text));

        Assert.Equal(new PiiMatch(PiiKind.Secret, text.IndexOf("-----BEGIN OPENSSH", StringComparison.Ordinal), key.Length), match);
        string truncated = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
        Assert.Equal(new PiiMatch(PiiKind.Secret, 0, truncated.Length), Assert.Single(PiiDetector.Default.Detect(truncated)));
    }

    [Fact]
    public void OverlappingFindingsBecomeOneMatchInTextOrder()
    {
        const string text = "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U from 10.1.2.3 by ops@acme.io";

        IReadOnlyList<PiiMatch> found = PiiDetector.Default.Detect(text);

        Assert.Equal([PiiKind.Secret, PiiKind.IPAddress, PiiKind.Email], found.Select(m => m.Kind));
        Assert.Equal(text.IndexOf("eyJ", StringComparison.Ordinal), found[0].Start);
        Assert.True(found[0].End < found[1].Start && found[1].End < found[2].Start);
    }

    [Fact]
    public void ReportsOnlyTheKindsAsked()
    {
        var detector = new PiiDetector([PiiKind.Email, PiiKind.Iban]);
        const string text = "ann@example.com, 4111 1111 1111 1111, DE89370400440532013000, 10.0.0.1";

        Assert.Equal([PiiKind.Email, PiiKind.Iban], detector.Kinds);
        Assert.Equal([PiiKind.Email, PiiKind.Iban], detector.Detect(text).Select(m => m.Kind));
        Assert.Equal(Enum.GetValues<PiiKind>(), PiiDetector.Default.Kinds);
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => PiiDetector.Default.Detect((string)null!)).ParamName);
        Assert.Equal("kinds", Assert.Throws<ArgumentNullException>(() => new PiiDetector(null!)).ParamName);
        Assert.Equal("kinds", Assert.Throws<ArgumentOutOfRangeException>(() => new PiiDetector([(PiiKind)42])).ParamName);
    }

    [Fact]
    public async Task IngestionRedactionUsesTheDetector()
    {
        var document = new Document("p", "SSN 536-22-4189, key AKIAIOSFODNN7EXAMPLE, host 10.0.0.7, order 1632122330792447, v1.2.3.4, IBAN DE89370400440532013000.");

        Document redacted = (await RegexRedactionTransform.CreatePiiRedaction().TransformAsync(document))!;

        Assert.Equal("SSN [SSN], key [SECRET], host [IP], order 1632122330792447, v1.2.3.4, IBAN [IBAN].", redacted.Text);
    }
}
