using Concord.Grains.Handles;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Concord.Grains.Interfaces.Ledger;
using Concord.Samples.Venues;

namespace Concord.Simulation;

internal enum OpKind
{
    Deposit,
    OptimisticTransfer,
    StrictTransfer,
    Payout,

    /// <summary>A handle claim decided at the primary; refused when the handle is taken.</summary>
    StrictClaim,

    /// <summary>A handle claim that is recorded as tentative where the primary cannot be reached, and decided there later.</summary>
    OptimisticClaim,

    /// <summary>A release of a handle from the account it names, decided at the primary; refused while another holds it.</summary>
    ReleaseHandle,
    OpenVenue,
    HoldSeat,
    BookSeat,
    ReleaseHold,
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

/// <summary>
/// One client request: the same request id on every attempt, whichever region an attempt goes to.
/// <paramref name="subject"/> is the transfer's destination, the account claiming a handle, the guest, or the hold released.
/// </summary>
internal sealed class ClientOp(int index, OpKind kind, string region, string entityId, string subject, long amount)
{
    public string RequestId { get; } = $"op-{index}";

    public OpKind Kind { get; } = kind;

    public string FirstRegion { get; } = region;

    public string EntityId { get; } = entityId;

    public string Subject { get; } = subject;

    public long Amount { get; } = amount;

    public bool IsLedger => Kind <= OpKind.Payout;

    public Outcome Outcome { get; set; }

    public int Attempts { get; set; }

    public bool WasAmbiguous { get; set; }

    /// <summary>Acknowledged with nothing appended (a release of a free handle): no decision is recorded under its request id.</summary>
    public bool ChangedNothing { get; set; }

    /// <summary>For an <see cref="Outcome.Unknown"/> request: whether the converged logs hold it.</summary>
    public bool ResolvedApplied { get; set; }

    public bool Applied => (Outcome == Outcome.Acknowledged && !ChangedNothing) || (Outcome == Outcome.Unknown && ResolvedApplied);

    public object Command => Kind switch
    {
        OpKind.Deposit => new Deposited(Amount),
        OpKind.OptimisticTransfer => new Debited(Amount, Subject, ConsistencyMode.Optimistic),
        OpKind.StrictTransfer => new Debited(Amount, Subject, ConsistencyMode.Strict),
        OpKind.Payout => new PaidOut(Amount),
        OpKind.StrictClaim => new ClaimHandleCommand(RequestId, Subject, ConsistencyMode.Strict),
        OpKind.OptimisticClaim => new ClaimHandleCommand(RequestId, Subject, ConsistencyMode.Optimistic),
        OpKind.ReleaseHandle => new ReleaseHandle(Subject),
        OpKind.OpenVenue => new OpenVenue((int)Amount),
        OpKind.HoldSeat => new HoldSeat(Subject),
        OpKind.BookSeat => new BookSeat(Subject),
        _ => new ReleaseHold(Subject),
    };

    /// <summary>What the region records when the primary cannot be reached, as the handle grain does (a claim that may be tentative).</summary>
    public object? Fallback => Command is ClaimHandleCommand claim ? HandleType.WhenPrimaryUnreachable(claim) : null;

    public override string ToString() => Kind switch
    {
        OpKind.Deposit => $"{RequestId} deposit {Amount} to {EntityId}",
        OpKind.Payout => $"{RequestId} payout {Amount} from {EntityId}",
        OpKind.StrictClaim or OpKind.OptimisticClaim => $"{RequestId} {(Kind == OpKind.StrictClaim ? "strict" : "optimistic")} claim of {EntityId} by {Subject}",
        OpKind.ReleaseHandle => $"{RequestId} release of {EntityId} from {Subject}",
        OpKind.OpenVenue => $"{RequestId} open {EntityId} with {Amount} seats",
        OpKind.HoldSeat or OpKind.BookSeat => $"{RequestId} {(Kind == OpKind.HoldSeat ? "hold" : "book")} a seat of {EntityId} for {Subject}",
        OpKind.ReleaseHold => $"{RequestId} release hold {Subject} of {EntityId}",
        _ => $"{RequestId} {(Kind == OpKind.StrictTransfer ? "strict" : "optimistic")} transfer {Amount} {EntityId}->{Subject}",
    };

    /// <summary>Opens a venue with one to three seats, so that holds taken apart overbook it.</summary>
    public static ClientOp Open(Random random, int index, string region, string venue) => new(index, OpKind.OpenVenue, region, venue, string.Empty, 1 + random.Next(3));

    /// <summary>A random request, sent first to <paramref name="region"/>: ledger requests mostly, handle claims and venue requests beside them.</summary>
    public static ClientOp Draw(Random random, int index, string region, SimulatedEntities entities, IReadOnlyList<ClientOp> earlier)
    {
        var family = random.Next(100);
        if (family < 15)
        {
            var handle = Pick(random, entities.Handles);
            var roll = random.Next(100);
            var claimants = earlier.Where(o => o.Kind is OpKind.StrictClaim or OpKind.OptimisticClaim && o.EntityId == handle).Select(o => o.Subject).ToList();
            if (roll < 25 && claimants.Count > 0)
            {
                // From an account that claimed it: the first claimant most often holds it; another lost it or never got it
                // (refused while another holds it, or nothing to free).
                return new ClientOp(index, OpKind.ReleaseHandle, region, handle, roll < 15 ? claimants[0] : Pick(random, claimants), 0);
            }

            var kind = roll < 60 ? OpKind.StrictClaim : OpKind.OptimisticClaim;
            return new ClientOp(index, kind, region, handle, Pick(random, entities.Accounts), 0);
        }

        if (family < 30)
        {
            var venue = Pick(random, entities.Venues);
            var guest = $"g-{1 + random.Next(4)}";
            var roll = random.Next(100);
            var holds = earlier.Where(o => o.Kind == OpKind.HoldSeat && o.EntityId == venue).ToList();
            return roll < 20 && holds.Count > 0
                ? new ClientOp(index, OpKind.ReleaseHold, region, venue, Pick(random, holds).RequestId, 0)
                : new ClientOp(index, roll < 65 ? OpKind.HoldSeat : OpKind.BookSeat, region, venue, guest, 0);
        }

        var ledgerRoll = random.Next(100);
        var ledgerKind = ledgerRoll < 35 ? OpKind.Deposit : ledgerRoll < 65 ? OpKind.OptimisticTransfer : ledgerRoll < 82 ? OpKind.StrictTransfer : OpKind.Payout;
        var accounts = entities.Accounts;
        var from = random.Next(accounts.Count);
        var to = accounts[(from + 1 + random.Next(accounts.Count - 1)) % accounts.Count];
        var amount = ledgerKind == OpKind.Deposit ? random.Next(100, 1000) : random.Next(1, 500);
        return new ClientOp(index, ledgerKind, region, accounts[from], ledgerKind is OpKind.OptimisticTransfer or OpKind.StrictTransfer ? to : string.Empty, amount);
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}

/// <summary>The entities a run's clients address, by type.</summary>
internal sealed record SimulatedEntities(IReadOnlyList<string> Accounts, IReadOnlyList<string> Handles, IReadOnlyList<string> Venues)
{
    /// <summary><paramref name="accounts"/> accounts, and handles and venues in proportion (a few of each, however large the run).</summary>
    public static SimulatedEntities For(int accounts) => new(
        [.. Enumerable.Range(1, accounts).Select(i => $"acc-{i}")],
        [.. Enumerable.Range(1, Math.Clamp(accounts / 2, 2, 50)).Select(i => $"{HandleType.TypeName}/h-{i}")],
        [.. Enumerable.Range(1, Math.Clamp(accounts / 3, 1, 20)).Select(i => $"{VenueType.TypeName}/v-{i}")]);

    public IEnumerable<string> All => Accounts.Concat(Handles).Concat(Venues);
}
