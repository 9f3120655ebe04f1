using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Simulation;

internal enum OpKind
{
    Deposit,
    OptimisticTransfer,
    StrictTransfer,
    Payout,
}

/// <summary>What a client finally learnt about its request.</summary>
internal enum Outcome
{
    Pending,
    Acknowledged,
    Refused,

    /// <summary>Refused on a retry after an earlier attempt's answer was lost: it may have taken effect; the final state decides.</summary>
    Unknown,
}

/// <summary>One client request: the same request id on every attempt, whichever region an attempt goes to.</summary>
internal sealed class ClientOp(int index, OpKind kind, string region, string account, string to, long amount)
{
    public string RequestId { get; } = $"op-{index}";

    public OpKind Kind { get; } = kind;

    public string FirstRegion { get; } = region;

    public string Account { get; } = account;

    public string To { get; } = to;

    public long Amount { get; } = amount;

    public Outcome Outcome { get; set; }

    public int Attempts { get; set; }

    public bool WasAmbiguous { get; set; }

    /// <summary>For an <see cref="Outcome.Unknown"/> request: whether the converged logs hold it.</summary>
    public bool ResolvedApplied { get; set; }

    public EventPayload Command => Kind switch
    {
        OpKind.Deposit => new Deposited(Amount),
        OpKind.OptimisticTransfer => new Debited(Amount, To, ConsistencyMode.Optimistic),
        OpKind.StrictTransfer => new Debited(Amount, To, ConsistencyMode.Strict),
        _ => new PaidOut(Amount),
    };

    public override string ToString() => Kind switch
    {
        OpKind.Deposit => $"{RequestId} deposit {Amount} to {Account}",
        OpKind.Payout => $"{RequestId} payout {Amount} from {Account}",
        _ => $"{RequestId} {(Kind == OpKind.StrictTransfer ? "strict" : "optimistic")} transfer {Amount} {Account}->{To}",
    };

    /// <summary>A random request against <paramref name="accounts"/>, sent first to <paramref name="region"/>.</summary>
    public static ClientOp Draw(Random random, int index, string region, IReadOnlyList<string> accounts)
    {
        var roll = random.Next(100);
        var kind = roll < 35 ? OpKind.Deposit : roll < 65 ? OpKind.OptimisticTransfer : roll < 82 ? OpKind.StrictTransfer : OpKind.Payout;
        var from = random.Next(accounts.Count);
        var account = accounts[from];
        var to = accounts[(from + 1 + random.Next(accounts.Count - 1)) % accounts.Count];
        var amount = kind == OpKind.Deposit ? random.Next(100, 1000) : random.Next(1, 500);
        return new ClientOp(index, kind, region, account, kind is OpKind.OptimisticTransfer or OpKind.StrictTransfer ? to : string.Empty, amount);
    }
}
