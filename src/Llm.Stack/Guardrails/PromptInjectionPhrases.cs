using System.Buffers;

namespace Llm.Stack;

/// <summary>
/// The phrases <see cref="PromptInjectionDetector"/> looks for, in English, German, French, Spanish and Polish, all
/// found in one vectorized pass (<see cref="SearchValues{T}"/> of strings, case-insensitive) and then confirmed by
/// their neighbourhood.
/// </summary>
internal static class PromptInjectionPhrases
{
    /// <summary>What a phrase found in the text starts.</summary>
    internal enum Role : byte
    {
        /// <summary>A verb that dismisses instructions; confirmed by an <see cref="InstructionObjects"/> word after it.</summary>
        DismissVerb,

        /// <summary>An object asked to be revealed (the system prompt, the instructions); confirmed by a <see cref="RevealVerbs"/> word before it.</summary>
        PromptObject,

        /// <summary>A secret asked to be revealed; confirmed by a reveal verb and a second-person possessive.</summary>
        SecretObject,

        /// <summary>A phrase that gives the model a new identity or lifts its rules.</summary>
        RolePhrase,

        /// <summary>A phrase that does so only when followed by a role ("you are now a …").</summary>
        WeakRolePhrase,

        /// <summary>A chat-template token or a delimiter of the prompt.</summary>
        Delimiter,

        /// <summary>A role name that counts at the start of a line (<c>system:</c>).</summary>
        RoleLine,
    }

    private static readonly (string Phrase, Role Role)[] s_phrases =
    [
        // Dismissing the instructions.
        .. Words(Role.DismissVerb,
            "ignore", "disregard", "forget", "override", "bypass", "skip", "drop all", "abandon", "stop following",
            "ignorier", "vergiss", "vergessen sie", "missachte", "überschreib", "umgeh",
            "ignorez", "oublie", "ne tiens pas compte", "ne tenez pas compte", "contourne",
            "ignora", "olvida", "olvide", "omite", "haz caso omiso", "no hagas caso",
            "zignoruj", "ignoruj", "zapomnij", "pomiń", "nie zważaj", "omiń"),

        // What may be asked to be revealed.
        .. Words(Role.PromptObject,
            "system prompt", "system message", "system instructions", "initial prompt", "initial instructions", "original instructions",
            "hidden prompt", "hidden instructions", "your instructions", "your rules", "your guidelines", "your prompt", "the prompt above",
            "systemprompt", "system-prompt", "systemanweisung", "deine anweisungen", "ihre anweisungen", "versteckten anweisungen",
            "prompt système", "prompt systeme", "instructions système", "instructions initiales", "tes instructions", "vos instructions",
            "prompt del sistema", "instrucciones del sistema", "instrucciones iniciales", "tus instrucciones", "sus instrucciones",
            "prompt systemowy", "promptu systemowego", "instrukcje systemowe", "twoje instrukcje", "swoje instrukcje", "początkowe instrukcje"),
        .. Words(Role.SecretObject,
            "api key", "api-key", "apikey", "password", "passwords", "secret key", "credentials", "access token",
            "passwort", "kennwort", "zugangsdaten", "mot de passe", "clé api", "contraseña", "clave api", "hasło", "klucz api"),

        // A new identity, or rules lifted.
        .. Words(Role.RolePhrase,
            "from now on you", "from now on, you", "pretend you are", "pretend to be", "developer mode", "jailbreak", "jailbroken",
            "do anything now", "dan mode", "without any restrictions", "no restrictions", "unrestricted ai", "unfiltered ai",
            "no ethical", "no longer bound", "not bound by", "new instructions:", "updated instructions:",
            "du bist jetzt", "ab jetzt bist du", "ab sofort bist du", "ohne einschränkungen", "neue anweisungen:", "tu es désormais",
            "tu es maintenant", "désormais tu es", "désormais, tu es", "à partir de maintenant, tu", "sans restrictions", "sans aucune restriction",
            "nouvelles instructions :", "nouvelles instructions:", "ahora eres", "a partir de ahora eres", "a partir de ahora, eres",
            "sin restricciones", "nuevas instrucciones:", "od teraz jesteś", "jesteś teraz", "udawaj, że", "udawaj że",
            "bez ograniczeń", "nowe instrukcje:"),
        .. Words(Role.WeakRolePhrase, "you are now", "act as", "you're now", "du bist nun", "agis comme", "actúa como", "działaj jako"),

        // Delimiters of a prompt.
        .. Words(Role.Delimiter,
            "<|im_start|>", "<|im_end|>", "<|system|>", "<|user|>", "<|assistant|>", "<|endoftext|>", "<|eot_id|>", "<|start_header_id|>",
            "[inst]", "[/inst]", "<<sys>>", "<</sys>>", "</sources>", "</source>", "<sources>", "</question>", "<system>", "</system>",
            "### system", "### instruction", "[system]", "[system message]", "end of user input", "end of document. new instructions"),
        .. Words(Role.RoleLine, "system:", "system prompt:", "system message:", "assistant:", "user:", "### response:"),
    ];

    private static readonly SearchValues<string> s_search = SearchValues.Create([.. s_phrases.Select(p => p.Phrase)], StringComparison.OrdinalIgnoreCase);

    /// <summary>The phrases indexed by their first character (lower-cased, ASCII folded into 128 buckets).</summary>
    private static readonly (string Phrase, Role Role)[][] s_byFirst = CreateIndex();

    /// <summary>Words that make a dismiss verb's object the instructions.</summary>
    internal static readonly string[] InstructionObjects =
    [
        "instruction", "rules", "prompt", "directions", "guidelines", "guardrails", "restrictions", "directive", "everything above", "the above", "context", "programming",
        "everything you", "all you were", "what you were told", "what you have been told",
        "anweisung", "regeln", "vorgaben", "instruktion", "befehle", "richtlinien", "alles",
        "consigne", "règles", "directive", "tout ce qui précède", "tout ce qu'on t'a dit", "tout ce que l'on t'a dit",
        "instrucciones", "reglas", "indicaciones", "directrices", "todo lo anterior", "todo lo que", "lo que te dijeron",
        "instrukcj", "polece", "zasad", "reguł", "wytyczn", "wszystko",
    ];

    /// <summary>Words between a dismiss verb and its object that make the instruction unambiguous.</summary>
    internal static readonly string[] DismissModifiers =
    [
        "previous", "prior", "above", "earlier", "preceding", "all ", "any ", "your", "system", "initial", "original", "those", "these",
        "vorherigen", "bisherigen", "obigen", "alle ", "deine", "ihre", "vorigen",
        "précédent", "toutes", "tous", "vos ", "tes ", "ci-dessus", "antérieur",
        "anteriores", "todas", "todos", "tus ", "sus ", "previas", "de arriba",
        "poprzedni", "wszystkie", "wcześniejsz", "twoje", "powyższ", "dotychczasow",
        "were told", "have been told", "told you", "te dijeron", "te han dicho", "on t'a dit", "dir gesagt", "ci powiedziano",
    ];

    /// <summary>Verbs that ask for something to be shown.</summary>
    internal static readonly string[] RevealVerbs =
    [
        "reveal", "show", "print", "repeat", "output", "display", "tell me", "give me", "what is", "what are", "what's", "leak", "dump", "write out", "list", "copy", "paste", "share", "send me",
        "zeig", "gib", "verrate", "wiederhole", "nenne", "gib mir", "ausgeben", "was ist", "was sind", "schreib",
        "révèle", "affiche", "montre", "répète", "donne", "dis-moi", "écris", "quel est", "quelles sont", "quel est ton",
        "revela", "muestra", "repite", "dime", "escribe", "cuál es", "cuáles son", "dame", "imprime",
        "pokaż", "ujawnij", "powtórz", "podaj", "wypisz", "napisz", "jaki jest", "jakie są", "wyświetl",
    ];

    /// <summary>Second-person possessives that make a secret the model's own ("your API key").</summary>
    internal static readonly string[] SecondPerson = ["your ", "dein", "ihr ", "ton ", "ta ", "tes ", "votre ", "vos ", "tu ", "tus ", "su ", "twoje ", "twój ", "twoja ", "swoje "];

    /// <summary>Words after a weak role phrase that make it give the model a role ("you are now a …").</summary>
    internal static readonly string[] RoleWords =
    [
        "dan", "evil", "unrestricted", "unfiltered", "uncensored", "jailbroken", "no longer", "free from", "an ai without", "my ", "a hacker", "the system",
        "böse", "ungefiltert", "uneingeschränkt", "libre", "sans filtre", "malveillant", "sin filtro", "malvado", "sin censura", "bez filtr", "zły",
    ];

    /// <summary>Words just before a verb that negate it ("do not ignore").</summary>
    internal static readonly string[] Negations = ["not ", "n't ", "never ", "nicht ", "nie ", "no ", "ne ", "jamais ", "nunca "];

    private static IEnumerable<(string, Role)> Words(Role role, params string[] words) => words.Select(w => (w, role));

    private static (string Phrase, Role Role)[][] CreateIndex()
    {
        var buckets = new List<(string, Role)>[128];
        foreach ((string phrase, Role role) in s_phrases)
        {
            (buckets[Bucket(phrase[0])] ??= []).Add((phrase, role));
        }

        return [.. buckets.Select(b => b is null ? [] : b.OrderByDescending(p => p.Item1.Length).ToArray())];
    }

    private static int Bucket(char c) => char.ToLowerInvariant(c) & 127;

    /// <summary>The index of the next phrase at or after <paramref name="start"/>, or -1.</summary>
    internal static int IndexOfNext(ReadOnlySpan<char> text, int start)
    {
        int at = text[start..].IndexOfAny(s_search);
        return at < 0 ? -1 : start + at;
    }

    /// <summary>The longest phrase that starts at <paramref name="at"/>.</summary>
    internal static (string Phrase, Role Role) PhraseAt(ReadOnlySpan<char> text, int at)
    {
        foreach ((string phrase, Role role) in s_byFirst[Bucket(text[at])])
        {
            if (text[at..].StartsWith(phrase, StringComparison.OrdinalIgnoreCase))
            {
                return (phrase, role);
            }
        }

        return (string.Empty, Role.Delimiter);
    }

    /// <summary>Whether one of <paramref name="words"/> starts a word in <paramref name="window"/>.</summary>
    internal static bool ContainsWord(ReadOnlySpan<char> window, string[] words)
    {
        foreach (string word in words)
        {
            int offset = 0;
            while (offset < window.Length)
            {
                int at = window[offset..].IndexOf(word, StringComparison.OrdinalIgnoreCase);
                if (at < 0)
                {
                    break;
                }

                int absolute = offset + at;
                if (absolute == 0 || !char.IsLetter(window[absolute - 1]) || !char.IsLetter(word[0]))
                {
                    return true;
                }

                offset = absolute + 1;
            }
        }

        return false;
    }
}
