using Concord.Grains.Entities;
using Concord.Grains.Interfaces.Derived;

namespace Concord.Grains.Derived;

/// <summary>What an account summary persists: its fold of the log and the transfers not yet seen credited.</summary>
[GenerateSerializer, Alias("concord.derived.account-summary-state")]
public sealed class AccountSummaryState
{
    // Ids 0 and 1 held the fold and the pending transfers (in minor units) before accounts were an entity type and
    // amounts decimals; such a record reads as empty and is rebuilt from the log.

    [Id(3)]
    public List<PendingTransfer> Pending { get; set; } = [];

    [Id(2)]
    public EntitySnapshot? Fold { get; set; }
}
