using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Ledger;

namespace Concord.Grains.Derived;

/// <summary>What an account summary persists: its fold of the log and the transfers not yet seen credited.</summary>
[GenerateSerializer, Alias("concord.derived.account-summary-state")]
public sealed class AccountSummaryState
{
    [Id(0)]
    public AccountSnapshot Fold { get; set; } = AccountSnapshot.Empty;

    [Id(1)]
    public List<PendingTransfer> Pending { get; set; } = [];
}
