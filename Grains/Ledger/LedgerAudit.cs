using Concord.Grains.Audit;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Microsoft.Extensions.Options;

namespace Concord.Grains.Ledger;

/// <summary>
/// The ledger's audit plug-in. Per account: the stored snapshot, the replica and the account summary against a
/// fold of the log; I1 (an account that saw only strict debits is never negative at home) and I6 (an overdraft
/// at home has an apology). Per region, on a full audit: the region totals view against the sum of the folds, and
/// I2 (the logs conserve money).
/// </summary>
internal sealed class LedgerAudit(IOptions<ConcordOptions> options) : IAuditPlugin
{
    public IAuditPluginRun Start(AuditRunContext context) => new Run(options.Value, context);

    private sealed class Run(ConcordOptions options, AuditRunContext context) : IAuditPluginRun
    {
        public RegionTotals Recomputed { get; set; } = RegionTotals.Zero;

        // Accounts are the entities whose ids have no type part.
        public bool Covers(string entityId) => !EntityIds.TrySplit(entityId, out _, out _);

        public async ValueTask<IEntityAuditPass> BeginEntityAsync(string entityId, CancellationToken cancellationToken) =>
            new AccountPass(this, options, context, entityId, await context.Grains.GetGrain<IReplicaAuditGrain>(entityId).GetStoredSnapshotAsync());

        public async Task FinishAsync(CancellationToken cancellationToken)
        {
            if (!context.IsFull)
            {
                return;
            }

            var totals = await context.Grains.GetGrain<IRegionTotalsGrain>(0).GetAsync(cancellationToken);
            if (totals != Recomputed)
            {
                context.Report("(region totals)", AuditFindingKinds.TotalsMismatch, null, $"the totals view says {totals}, the logs sum to {Recomputed}");
            }

            if (!Recomputed.IsConserved)
            {
                context.Report("(region totals)", AuditFindingKinds.InvariantViolated, null, $"I2: the logs do not conserve money: {Recomputed}");
            }
        }
    }

    private sealed class AccountPass(Run run, ConcordOptions options, AuditRunContext context, string entity, AccountSnapshot? snapshot) : IEntityAuditPass
    {
        private readonly AccountState _account = new();
        private byte[]? _stateAtSnapshot;
        private bool _onlyStrictDebits = true;
        private long _lowest;

        public void Apply(LoggedEvent verified)
        {
            _account.Apply(verified);
            _onlyStrictDebits &= verified.Event.Payload is not Debited { Mode: ConsistencyMode.Optimistic };
            _lowest = Math.Min(_lowest, _account.Balance);
            if (snapshot is not null && verified.Position == snapshot.Position)
            {
                _stateAtSnapshot = _account.CanonicalState();
            }
        }

        public async Task FinishAsync(CancellationToken cancellationToken)
        {
            if (snapshot is not null && snapshot.Position > 0
                && (_stateAtSnapshot is null || !_stateAtSnapshot.AsSpan().SequenceEqual(AccountState.FromSnapshot(snapshot).CanonicalState())))
            {
                context.Report(entity, AuditFindingKinds.SnapshotMismatch, snapshot.Position, "the stored snapshot differs from a fold of the log up to its position");
            }

            var replica = await context.Grains.GetGrain<IAccountGrain>(entity).GetBalanceAsync(cancellationToken);
            if (replica.Position == _account.Position && (replica.Balance != _account.Balance || !replica.Version.Equals(_account.Version)))
            {
                context.Report(entity, AuditFindingKinds.ReplicaMismatch, _account.Position,
                    $"replica holds {Money.Format(replica.Balance)} at {replica.Version}, the log folds to {Money.Format(_account.Balance)} at {_account.Version}");
            }

            await AuditViewAsync(cancellationToken);

            var atHome = string.Equals(HomeRegions.OfAccount(entity, options.EffectiveRegions), context.Region, StringComparison.Ordinal);
            if (atHome && _onlyStrictDebits && _lowest < 0)
            {
                context.Report(entity, AuditFindingKinds.InvariantViolated, null, $"I1: the account saw only strict debits, yet its home log reaches {Money.Format(_lowest)}");
            }

            if (atHome && _account.Balance < 0 && _account.Apologies == 0)
            {
                context.Report(entity, AuditFindingKinds.InvariantViolated, _account.Position, $"I6: overdrawn by {Money.Format(-_account.Balance)} at its home region with no apology");
            }

            var t = _account.Totals;
            run.Recomputed = run.Recomputed.Add(new RegionTotals(1, t.Balance, t.Deposited, t.PaidOut, t.Debited, t.Credited));
        }

        private async Task AuditViewAsync(CancellationToken cancellationToken)
        {
            var summary = context.Grains.GetGrain<IAccountSummaryGrain>(entity);
            await summary.CatchUpAsync(_account.Position, cancellationToken);
            var view = await summary.GetAsync(cancellationToken);
            var t = _account.Totals;
            if (view.Position == _account.Position
                && (view.Balance != t.Balance || view.Deposited != t.Deposited || view.PaidOut != t.PaidOut || view.TransferredOut != t.Debited || view.TransferredIn != t.Credited))
            {
                context.Report(entity, AuditFindingKinds.ViewMismatch, _account.Position, $"account summary says {Money.Format(view.Balance)}, the log folds to {Money.Format(t.Balance)}");
            }
            else if (view.Position != _account.Position)
            {
                context.Report(entity, AuditFindingKinds.ViewMismatch, view.Position, $"account summary is at position {view.Position} and cannot catch up to the log's {_account.Position}");
            }
        }
    }
}
