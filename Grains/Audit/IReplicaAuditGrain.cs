using Concord.Grains.Ledger;

namespace Concord.Grains.Audit;

/// <summary>What the auditor asks an account replica for, besides its balance: the snapshot it keeps in storage.</summary>
[Alias("concord.IReplicaAuditGrain")]
public interface IReplicaAuditGrain : IGrainWithStringKey
{
    /// <summary>The snapshot as storage holds it now (read afresh), or null when there is none.</summary>
    [Alias("stored-snapshot")]
    Task<AccountSnapshot?> GetStoredSnapshotAsync();
}
