using System.Text;

namespace Llm.Stack;

/// <summary>
/// Recognises an answer in which the model declines the request ("I'm sorry, but I can't help with that."), in English,
/// German, French, Spanish and Polish: what <see cref="OutputValidationChatClient"/> counts and never tries to repair,
/// and what bias probes compare across prompts.
/// </summary>
/// <remarks>
/// An answer is a refusal when one of its first two sentences says that the model will not or cannot help, assist,
/// answer, provide or comply (or declines outright), and that sentence does not go on to offer what it can do
/// ("I can't give exact figures, but here is an estimate"), and is not inside a quotation. Turns of phrase that only look alike ("I can't recommend it
/// enough", "I'm sorry to hear that", "the function cannot provide a value") are not refusals. The detector reads at
/// most the first <see cref="ScannedLength"/> characters, so its cost does not grow with the answer. Immutable and safe
/// to use concurrently.
/// </remarks>
public sealed class RefusalDetector
{
    /// <summary>The number of leading characters of an answer that are read.</summary>
    public const int ScannedLength = 400;

    // Each phrase is matched at a word start, in lowercase text whose apostrophes are folded to ' and whose runs of
    // white space are one space.
    private static readonly string[] s_phrases =
    [
        // English
        "i can't help with", "i cannot help with", "i can't help you with", "i cannot help you with", "i can not help with",
        "i can't help with that", "i can't help you.", "i cannot help you.", "i'm not able to help", "i am not able to help",
        "i can't assist", "i cannot assist", "i'm unable to assist", "i am unable to assist", "i'm not able to assist",
        "i can't provide", "i cannot provide", "i'm unable to provide", "i am unable to provide", "i'm not able to provide",
        "i won't provide", "i will not provide", "i won't help", "i will not help", "i'm unable to help", "i am unable to help",
        "i can't comply", "i cannot comply", "i won't comply", "i can't fulfill", "i cannot fulfill", "i can't fulfil", "i cannot fulfil",
        "i can't answer that", "i cannot answer that", "i'm not able to answer", "i am not able to answer", "i'm unable to answer",
        "i can't do that", "i cannot do that", "i won't do that", "i must decline", "i have to decline", "i need to decline",
        "i'm not going to help", "i am not going to help", "i can't share", "i cannot share", "i'm unable to share",
        "i can't create", "i cannot create", "i can't write", "i cannot write", "i can't generate", "i cannot generate",
        "i can't give you", "i cannot give you", "i'm not comfortable", "i am not comfortable",
        "as an ai language model, i can't", "as an ai language model, i cannot", "as an ai, i can't", "as an ai, i cannot",
        "that's not something i can help", "this is not something i can help", "that is not something i can help",
        "i'm not able to do that", "i am not able to do that", "i'm unable to do that", "i am unable to do that",
        "i'm unable to comply", "i am unable to comply", "i'm not able to comply", "i am not able to comply",
        "i'm unable to fulfill", "i am unable to fulfill", "i'm unable to fulfil", "i am unable to fulfil", "i won't fulfill", "i will not fulfill",
        "i won't be able to help", "i will not be able to help", "i won't be able to assist", "i will not be able to assist",
        "i won't be able to provide", "i will not be able to provide", "i'm not able to fulfill", "i am not able to fulfill",

        // German
        "ich kann dabei nicht helfen", "ich kann ihnen dabei nicht helfen", "ich kann dir dabei nicht helfen",
        "ich kann ihnen nicht helfen", "ich kann dir nicht helfen", "ich kann diese anfrage nicht", "ich kann das nicht",
        "ich kann keine anleitung", "ich kann keine informationen", "dabei kann ich nicht helfen", "dabei kann ich ihnen nicht helfen",
        "dabei kann ich dir nicht helfen", "das kann ich nicht", "ich muss ablehnen", "ich werde dabei nicht helfen",

        // French
        "je ne peux pas vous aider", "je ne peux pas t'aider", "je ne peux pas aider", "je ne peux pas répondre",
        "je ne peux pas fournir", "je ne peux pas vous fournir", "je ne peux pas donner", "je ne peux pas vous donner",
        "je ne peux pas accéder à cette demande", "je ne peux pas satisfaire", "je ne peux pas répondre à cette demande",
        "je dois refuser", "je ne suis pas en mesure de vous aider", "je ne suis pas en mesure de fournir",
        "je ne suis pas en mesure de répondre",

        // Spanish
        "no puedo ayudarte", "no puedo ayudarle", "no puedo ayudar con", "no puedo proporcionar", "no puedo proporcionarte",
        "no puedo responder", "no puedo darte", "no puedo cumplir", "no puedo hacer eso", "no puedo ofrecer",
        "debo rechazar", "no estoy en condiciones de ayudar",

        // Polish
        "nie mogę pomóc", "nie mogę ci pomóc", "nie mogę pani pomóc", "nie mogę panu pomóc", "nie mogę w tym pomóc",
        "nie mogę udzielić", "nie mogę podać", "nie mogę odpowiedzieć", "nie mogę spełnić", "nie mogę tego zrobić",
        "nie jestem w stanie pomóc", "muszę odmówić",
    ];

    // A refusal sentence that goes on like this offers an answer after all.
    private static readonly string[] s_offers =
    [
        " enough", " genug", ", but here", " but here", ", but i can", " but i can", ", but you can", " however, here", "; here is", ", here is",
        ", but i'll", " but i'll", ", aber hier", ", aber ich kann", ", mais voici", ", mais je peux", ", pero aquí", ", pero puedo",
        ", ale oto", ", ale mogę",
    ];

    private readonly string[] _phrases;

    /// <summary>Initializes a new instance of the <see cref="RefusalDetector"/> class.</summary>
    /// <param name="additionalPhrases">
    /// Phrases that also mark a refusal in the first two sentences, beside the built-in ones (such as the wording of
    /// your own system prompt's refusal); matched at a word start, case-insensitively; <see langword="null"/> for none.
    /// </param>
    /// <exception cref="ArgumentException">A phrase is <see langword="null"/>, empty or white space.</exception>
    public RefusalDetector(IEnumerable<string>? additionalPhrases = null)
    {
        var phrases = new List<string>(s_phrases);
        foreach (string? phrase in additionalPhrases ?? [])
        {
            if (string.IsNullOrWhiteSpace(phrase))
            {
                throw new ArgumentException("A refusal phrase is null, empty or white space.", nameof(additionalPhrases));
            }

            phrases.Add(Normalize(phrase));
        }

        _phrases = [.. phrases];
    }

    /// <summary>Gets the detector with the built-in phrases.</summary>
    public static RefusalDetector Default { get; } = new();

    /// <summary>Decides whether <paramref name="text"/> is a refusal.</summary>
    /// <param name="text">An answer of a model.</param>
    /// <returns><see langword="true"/> when the answer declines the request.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public bool IsRefusal(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string normalized = Normalize(text.AsSpan(0, Math.Min(text.Length, ScannedLength)));
        int end = EndOfSecondSentence(normalized);
        foreach (string phrase in _phrases)
        {
            for (int at = normalized.IndexOf(phrase, StringComparison.Ordinal); at >= 0 && at < end; at = normalized.IndexOf(phrase, at + 1, StringComparison.Ordinal))
            {
                if ((at == 0 || !char.IsLetterOrDigit(normalized[at - 1])) && !IsQuoted(normalized, at) && !OffersAnswer(normalized, at + phrase.Length))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Lowercase, apostrophes folded to <c>'</c>, runs of white space as one space, leading markup dropped.</summary>
    private static string Normalize(ReadOnlySpan<char> text)
    {
        var result = new StringBuilder(text.Length);
        bool space = true;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                if (!space)
                {
                    result.Append(' ');
                    space = true;
                }

                continue;
            }

            if (result.Length == 0 && c is '*' or '_' or '#' or '>' or '"' or '\u201C' or '\u00AB')
            {
                continue;
            }

            result.Append(c is '\u2019' or '\u2018' or '\u02BC' or '`' ? '\'' : char.ToLowerInvariant(c));
            space = false;
        }

        return result.ToString();
    }

    /// <summary>The index just past the second sentence end (<c>.</c>, <c>!</c>, <c>?</c> or a line break before a word), or the text's length.</summary>
    private static int EndOfSecondSentence(string text)
    {
        int sentences = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] is '.' or '!' or '?' && (i + 1 == text.Length || text[i + 1] == ' ') && ++sentences == 2)
            {
                return i + 1;
            }
        }

        return text.Length;
    }

    /// <summary>Whether a quotation is open at <paramref name="at"/>: the answer quotes a refusal rather than making one.</summary>
    private static bool IsQuoted(string text, int at)
    {
        int quotes = 0;
        foreach (char c in text.AsSpan(0, at))
        {
            if (c is '"' or '\u201C' or '\u201D' or '\u00AB' or '\u00BB' or '\u201E')
            {
                quotes++;
            }
        }

        return quotes % 2 == 1;
    }

    /// <summary>Whether the sentence that a refusal phrase starts goes on to offer an answer.</summary>
    private static bool OffersAnswer(string text, int from)
    {
        int sentenceEnd = text.IndexOfAny(['.', '!', '?'], from);
        ReadOnlySpan<char> rest = text.AsSpan(from, (sentenceEnd < 0 ? text.Length : sentenceEnd) - from);
        foreach (string offer in s_offers)
        {
            if (rest.Contains(offer, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
