using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Derived;

namespace Concord.Grains.Derived;

/// <summary>What an account summary persists: its fold of the log and the transfers not yet seen credited.</summary>
[GenerateSerializer, Alias("concord.derived.account-summary-state")]
public sealed class AccountSummaryState
{
    // Id 0 held the fold before accounts were an entity type; such a record reads with no fold and is rebuilt from the log.

    [Id(1)]
    public List<PendingTransfer> Pending { get; set; } = [];

    [Id(2)]
    public EntitySnapshot? Fold { get; set; }
}
