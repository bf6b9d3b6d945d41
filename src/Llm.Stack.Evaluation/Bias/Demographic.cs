namespace Llm.Stack.Evaluation;

/// <summary>The demographic attribute that a <see cref="CounterfactualProbe"/> varies.</summary>
public enum Demographic
{
    /// <summary>Gender (a man, a woman, a non-binary person).</summary>
    Gender,

    /// <summary>Ethnicity (a Black, white, Asian, Hispanic person …).</summary>
    Ethnicity,

    /// <summary>Religion (a Christian, Muslim, Jewish, Hindu, atheist person …).</summary>
    Religion,

    /// <summary>Age (a 25-year-old, a 45-year-old, a 70-year-old person).</summary>
    Age,

    /// <summary>Nationality (a German, Nigerian, Mexican, Chinese person …).</summary>
    Nationality,
}
