using Concord.Grains.Audit;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Entities;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;

namespace Concord.Grains.Ledger;

/// <summary>
/// The ledger's audit plug-in, beside the audit every registered type gets (replica, snapshot, I1 as the type's
/// invariant, I6 as its owed apology). Per account: the account summary against a fold of the log. Per region, on a
/// full audit: the region totals view against the sum of the folds, and I2 (the logs conserve money).
/// </summary>
internal sealed class LedgerAudit : IAuditPlugin
{
    public IAuditPluginRun Start(AuditRunContext context) => new Run(context);

    private sealed class Run(AuditRunContext context) : IAuditPluginRun
    {
        private readonly Lock _sum = new();

        // Accounts are audited several at once.
        public RegionTotals Recomputed { get; private set; } = RegionTotals.Zero;

        public void Add(RegionTotals contribution)
        {
            lock (_sum)
            {
                Recomputed = Recomputed.Add(contribution);
            }
        }

        // Accounts are the entities whose ids have no type part.
        public bool Covers(string entityId) => !EntityIds.TrySplit(entityId, out _, out _);

        public ValueTask<IEntityAuditPass> BeginEntityAsync(string entityId, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IEntityAuditPass>(new AccountPass(this, context, entityId));

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

    private sealed class AccountPass(Run run, AuditRunContext context, string entity) : IFoldedEntityAuditPass<AccountState>
    {
        // Handed over by the auditor, which folds each account's log once for every plug-in; absent when it cannot fold it (and says so).
        private (AccountState State, long Position)? _fold;

        public void Apply(LoggedEvent verified)
        {
        }

        public void Folded(AccountState state, long position) => _fold = (state, position);

        public async Task FinishAsync(CancellationToken cancellationToken)
        {
            if (_fold is not { } fold)
            {
                return;
            }

            var t = fold.State.Totals.ToRegionTotals();
            var view = await context.Grains.GetGrain<IAccountSummaryGrain>(entity).CatchUpAndGetAsync(fold.Position, cancellationToken);
            if (view.Position == fold.Position
                && (view.Balance != t.SumOfBalances || view.Deposited != t.Deposited || view.PaidOut != t.PaidOut || view.TransferredOut != t.TransferredOut || view.TransferredIn != t.TransferredIn))
            {
                context.Report(entity, AuditFindingKinds.ViewMismatch, fold.Position, $"account summary says {Money.Format(view.Balance)}, the log folds to {Money.Format(t.SumOfBalances)}");
            }
            else if (view.Position != fold.Position)
            {
                context.Report(entity, AuditFindingKinds.ViewMismatch, view.Position, $"account summary is at position {view.Position} and cannot catch up to the log's {fold.Position}");
            }

            run.Add(LedgerTotals.ContributionOf(fold.State));
        }
    }
}
