using System.Collections.Immutable;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Ledger;
using Orleans.Transactions.Abstractions;

namespace Concord.Grains.Constraints;

internal sealed class AccountHoldsGrain(
    [TransactionalState("holds", ConcordStorage.Transactions)] ITransactionalState<HoldBook> book) : Grain, IAccountHoldsGrain
{
    private string Account => this.GetPrimaryKeyString();

    public async Task PlaceAsync(string batchId, ImmutableArray<HeldLeg> legs)
    {
        // The account decides against its balance minus other reservations, one request at a time.
        await GrainFactory.GetGrain<IHeldDebitSink>(Account).ReserveAsync(batchId, legs.Sum(l => l.Amount));
        await book.PerformUpdate(b => b.Batches[batchId] = legs);
    }

    public Task<ImmutableDictionary<string, ImmutableArray<HeldLeg>>> GetOutstandingAsync() =>
        book.PerformRead(b => b.Batches.ToImmutableDictionary(StringComparer.Ordinal));

    public async Task ReleaseUnheldReservationAsync(string batchId)
    {
        if (!await book.PerformRead(b => b.Batches.ContainsKey(batchId)))
        {
            await GrainFactory.GetGrain<IHeldDebitSink>(Account).ReleaseAsync(batchId);
        }
    }

    public async Task<ImmutableArray<WriteReceipt>> SettleAsync(string batchId)
    {
        var legs = await book.PerformRead(b => b.Batches.TryGetValue(batchId, out var held) ? held : []);
        var receipts = ImmutableArray.CreateBuilder<WriteReceipt>(legs.Length);
        var account = GrainFactory.GetGrain<IHeldDebitSink>(Account);
        foreach (var leg in legs)
        {
            // Appends are idempotent by request id, so a settle repeated after an abort appends nothing twice.
            receipts.Add(await account.ApplyHeldDebitAsync(batchId, leg));
        }

        await book.PerformUpdate(b => b.Batches.Remove(batchId));
        return receipts.ToImmutable();
    }
}
