namespace Llm.Stack;

/// <summary>The categories of harmful content that an <see cref="IContentClassifier"/> recognises.</summary>
public enum ContentCategory
{
    /// <summary>Hate: dehumanising or demeaning a group for a protected attribute (ethnicity, religion, nationality, gender, sexual orientation, disability), or calling for harm to it.</summary>
    Hate,

    /// <summary>Harassment: insults, intimidation or degradation aimed at a person, including urging them to hurt themselves.</summary>
    Harassment,

    /// <summary>Violence: threats, incitement, or help in hurting or killing people.</summary>
    Violence,

    /// <summary>Self-harm: intent, encouragement, or methods of suicide or self-injury (prevention and support text is not).</summary>
    SelfHarm,

    /// <summary>Sexual content involving minors, in any form.</summary>
    SexualMinors,

    /// <summary>Dangerous instructions: making or acquiring weapons, explosives, or chemical or biological agents.</summary>
    Weapons,

    /// <summary>Dangerous instructions: making, extracting or illicitly acquiring controlled drugs.</summary>
    Drugs,

    /// <summary>Dangerous instructions: writing malicious software, stealing credentials, or evading security defences.</summary>
    Malware,
}
