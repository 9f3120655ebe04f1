using System.Collections.Immutable;
using Concord.Grains.Diagnostics;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Storage;
using Microsoft.Extensions.Options;
using Orleans.Transactions;

namespace Concord.Grains.Constraints;

/// <summary>
/// Decides a batch transfer at its sources' home region: one Orleans transaction places a hold on every
/// source (each source checks its balance minus other reservations), then each hold is settled: the
/// source appends its legs' debits and the hold is removed. Either every leg is debited or none is.
/// </summary>
public sealed class BatchTransferCoordinator(
    IGrainFactory grains,
    ITransactionClient transactions,
    IEventLogStore store,
    IOptions<ConcordOptions> options,
    BatchTransferTestHooks hooks,
    ConcordMetrics metrics)
{
    public const int MaxLegs = 100;

    /// <summary>Validates the batch and returns the region that must decide it.</summary>
    public string HomeOf(BatchTransferCommand command)
    {
        EntityKeys.RequireRequestId(command.RequestId);
        if (command.Legs.IsDefaultOrEmpty || command.Legs.Length > MaxLegs)
        {
            throw new InvalidRequestException("legs", $"A batch has 1 to {MaxLegs} legs.");
        }

        foreach (var leg in command.Legs)
        {
            EntityKeys.RequireKey(leg.From, "from");
            EntityKeys.RequireKey(leg.To, "to");
            Money.ToMinorUnits(leg.Amount);
            if (string.Equals(leg.From, leg.To, StringComparison.Ordinal))
            {
                throw new InvalidRequestException("to", $"Leg from '{leg.From}' transfers to itself.");
            }
        }

        var homes = command.Legs.Select(l => l.From).Distinct(StringComparer.Ordinal)
            .Select(from => (From: from, Home: HomeRegions.OfAccount(from, options.Value.EffectiveRegions)))
            .ToList();
        if (homes.Select(h => h.Home).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            var where = string.Join(", ", homes.Select(h => $"{h.From} in {h.Home}"));
            throw new InvalidRequestException("legs", $"A batch is decided atomically in one region, but its sources are homed in different regions ({where}). Split it by home region.");
        }

        return homes[0].Home;
    }

    /// <summary>Decides the batch here; the caller made sure this is the sources' home region.</summary>
    public async Task<BatchReceipt> DecideAsync(BatchTransferCommand command, CancellationToken cancellationToken)
    {
        var batchId = command.RequestId;
        var legs = command.Legs.Select((leg, i) => (leg.From, Held: new HeldLeg($"{batchId}/{i}", leg.To, Money.ToMinorUnits(leg.Amount)))).ToList();
        var bySource = legs.GroupBy(l => l.From, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(l => l.Held).ToImmutableArray(), StringComparer.Ordinal);

        if (await AlreadyAppliedAsync(legs, replayed: true, cancellationToken) is { } replay)
        {
            return replay;
        }

        try
        {
            await transactions.RunTransaction(TransactionOption.Create, async () =>
            {
                foreach (var (source, held) in bySource)
                {
                    await grains.GetGrain<IAccountHoldsGrain>(source).PlaceAsync(batchId, held);
                }
            });
        }
        catch (OrleansTransactionAbortedException ex)
        {
            metrics.TransactionAborted(options.Value.Region, "batch-transfer");
            foreach (var source in bySource.Keys)
            {
                await grains.GetGrain<IAccountHoldsGrain>(source).ReleaseUnheldReservationAsync(batchId);
            }

            throw ex.InnerException as ConcordException
                ?? new StorageUnavailableException(batchId, $"The batch transfer's transaction aborted and changed nothing: {ex.Message}");
        }

        if (hooks.AfterCommit is { } afterCommit)
        {
            await afterCommit(batchId);
        }

        foreach (var source in bySource.Keys)
        {
            await grains.GetGrain<IAccountHoldsGrain>(source).SettleAsync(batchId);
        }

        return await AlreadyAppliedAsync(legs, replayed: false, cancellationToken)
            ?? throw new StorageUnavailableException(batchId, "The batch committed but not every debit is visible yet; retry with the same request id.");
    }

    /// <summary>The receipts of every leg's debit, or null while any leg has none.</summary>
    private async Task<BatchReceipt?> AlreadyAppliedAsync(List<(string From, HeldLeg Held)> legs, bool replayed, CancellationToken cancellationToken)
    {
        var receipts = ImmutableArray.CreateBuilder<WriteReceipt>(legs.Count);
        foreach (var (from, held) in legs)
        {
            var found = await store.FindByRequestAsync(from, held.RequestId, cancellationToken);
            if (found.Count == 0)
            {
                return null;
            }

            receipts.Add(new WriteReceipt(found[0].Event.Id, found[0].Position, replayed));
        }

        return new BatchReceipt(receipts.MoveToImmutable(), replayed);
    }
}

/// <summary>Lets a test stop a batch between its commit and its settlement, as a crash would.</summary>
public sealed class BatchTransferTestHooks
{
    public Func<string, Task>? AfterCommit { get; set; }
}
