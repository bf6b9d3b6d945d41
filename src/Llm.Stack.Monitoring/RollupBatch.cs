namespace Llm.Stack.Monitoring;

/// <summary>Roll-ups gathered in memory before <see cref="SqliteInteractionRollups.Save"/> adds them to the stored ones: per hour and model, and per hour, tenant and model.</summary>
/// <remarks>Not thread-safe.</remarks>
internal sealed class RollupBatch
{
    public Dictionary<(long Hour, string? Model), InteractionRollup> ByModel { get; } = [];

    public Dictionary<(long Hour, string Tenant, string? Model), InteractionRollup> ByTenant { get; } = [];

    public bool IsEmpty => ByModel.Count == 0;

    /// <summary>The roll-ups an interaction of this hour, model and tenant adds to: its model's, and its tenant's when it has one.</summary>
    public (InteractionRollup First, InteractionRollup? Second) For(long hour, string? modelId, string? tenantId)
    {
        if (!ByModel.TryGetValue((hour, modelId), out InteractionRollup? byModel))
        {
            ByModel[(hour, modelId)] = byModel = new InteractionRollup();
        }

        if (tenantId is null)
        {
            return (byModel, null);
        }

        if (!ByTenant.TryGetValue((hour, tenantId, modelId), out InteractionRollup? byTenant))
        {
            ByTenant[(hour, tenantId, modelId)] = byTenant = new InteractionRollup();
        }

        return (byModel, byTenant);
    }
}
