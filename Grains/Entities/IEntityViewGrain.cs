namespace Concord.Grains.Entities;

/// <summary>What Concord asks of every view grain: catch up with the log, rebuild from it, and show its state to the auditor.</summary>
[Alias("concord.IEntityViewGrain")]
public interface IEntityViewGrain : IGrainWithStringKey
{
    /// <summary>Pulls and folds the log up to <paramref name="throughPosition"/> (or its head); returns the position reached.</summary>
    [Alias("catch-up")]
    Task<long> CatchUpAsync(long throughPosition, CancellationToken cancellationToken = default);

    /// <summary>Folds the view again from the first event of the log.</summary>
    [Alias("rebuild")]
    Task<long> RebuildAsync(CancellationToken cancellationToken = default);

    [Alias("audit-state")]
    Task<EntityAuditState> GetAuditStateAsync(CancellationToken cancellationToken = default);
}
