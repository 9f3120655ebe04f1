using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Ledger;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Ledger;

[Collection(RegionCollection.Name)]
public sealed class TransferTests(RegionClusterFixture region)
{
    [Fact]
    public async Task A_transfer_credits_the_destination_exactly_once()
    {
        var (from, to) = (Names.Account("src"), Names.Account("dst"));
        await region.Grains.GetGrain<IAccountGrain>(from).DepositAsync(new DepositCommand("d", 100m));

        var receipt = await region.Grains.GetGrain<IAccountGrain>(from).TransferAsync(new TransferCommand("t1", to, 30m));

        await Eventually.HoldsAsync(async () => (await Balance(to)) == 3000, $"{to} is credited");
        Assert.Equal(7000, await Balance(from));
        await AssertCreditedOnce(from, to, "t1", receipt.EventId);
    }

    [Fact]
    public async Task A_lost_debit_message_and_forced_deactivations_still_credit_exactly_once()
    {
        var (from, to) = (Names.Account("lost"), Names.Account("dst"));
        var source = region.Grains.GetGrain<IAccountGrain>(from);
        await source.DepositAsync(new DepositCommand("d", 50m));
        const string fastPath = nameof(ITransferProcessorGrain) + "." + nameof(ITransferProcessorGrain.DebitsAppendedAsync);
        FailingCalls.FailOnGrain(fastPath, from, times: 1);
        var receipt = await source.TransferAsync(new TransferCommand("t1", to, 25m));
        await Eventually.HoldsAsync(() => Task.FromResult(FailingCalls.LeftOnGrain(fastPath, from) == 0), "the processor lost the message with the debit");

        // Take down the processor and the source before anything re-drives the credit.
        await region.Cluster.DeactivateAsync(region.Grains.GetGrain<ITransferProcessorGrain>(from));
        await region.Cluster.DeactivateAsync(source);

        await Eventually.HoldsAsync(async () => (await Balance(to)) == 2500, $"{to} is credited despite the lost message");
        await AssertCreditedOnce(from, to, "t1", receipt.EventId);

        // Re-driving again, and the destination asked twice more, change nothing.
        await region.Grains.GetGrain<ITransferProcessorGrain>(from).CatchUpAsync(long.MaxValue);
        var sink = region.Grains.GetGrain<ITransferCreditSink>(to);
        var replay = await sink.CreditAsync(new TransferCredit(receipt.EventId, "t1", 2500));
        Assert.True(replay.Replayed);
        await region.Cluster.DeactivateAsync(sink);
        Assert.True((await sink.CreditAsync(new TransferCredit(receipt.EventId, "t1", 2500))).Replayed);
        Assert.Equal(2500, await Balance(to));
        await AssertCreditedOnce(from, to, "t1", receipt.EventId);
    }

    [Fact]
    public async Task A_credit_without_a_matching_debit_is_refused_and_changes_nothing()
    {
        var (from, to) = (Names.Account("src"), Names.Account("dst"));
        var receipt = await TransferAsync(from, to, 10m, "t");
        await Eventually.HoldsAsync(async () => (await Balance(to)) == 1000, "the real credit lands");
        var sink = region.Grains.GetGrain<ITransferCreditSink>(to);

        await Assert.ThrowsAsync<InvalidRequestException>(() => sink.CreditAsync(new TransferCredit(receipt.EventId, "t", 999_999)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => sink.CreditAsync(new TransferCredit(receipt.EventId with { Seq = 99 }, "t", 1000)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => region.Grains.GetGrain<ITransferCreditSink>(Names.Account("thief")).CreditAsync(new TransferCredit(receipt.EventId, "t", 1000)));

        Assert.Equal(1000, await Balance(to));
    }

    [Fact]
    public async Task The_summary_shows_a_transfer_pending_until_its_credit_lands()
    {
        var (from, to) = (Names.Account("pend"), Names.Account("dst"));
        region.Publisher.ShouldDrop = entity => entity == from;
        EventId debit;
        try
        {
            debit = (await TransferAsync(from, to, 5m, "t")).EventId;
            var summary = await region.Grains.GetGrain<IAccountSummaryGrain>(from).CatchUpAsync(long.MaxValue);
            Assert.Equal(2, summary);
        }
        finally
        {
            region.Publisher.ShouldDrop = _ => false;
        }

        await Eventually.HoldsAsync(async () => (await Balance(to)) == 500, "the credit lands");
        var view = await region.Grains.GetGrain<IAccountSummaryGrain>(from).GetAsync();
        Assert.Empty(view.PendingOutgoing);
        Assert.Equal(5.00m, view.TransferredOut);
        Assert.NotEqual(default, debit);
    }

    private async Task<WriteReceipt> TransferAsync(string from, string to, decimal amount, string requestId)
    {
        var source = region.Grains.GetGrain<IAccountGrain>(from);
        await source.DepositAsync(new DepositCommand("seed", amount));
        return await source.TransferAsync(new TransferCommand(requestId, to, amount));
    }

    /// <summary>The balance in minor units, as the expected values here are written.</summary>
    private async Task<long> Balance(string account) => (long)((await region.Grains.GetGrain<IAccountGrain>(account).GetBalanceAsync()).Balance * 100m);

    private async Task AssertCreditedOnce(string from, string to, string requestId, EventId debit)
    {
        var credits = await region.Store.FindByRequestAsync(to, TransferCredit.CreditRequestIdFor(from, requestId));
        var credit = Assert.Single(credits);
        Assert.Equal(debit, Assert.IsType<Credited>(credit.Event.Payload).DebitId);
        Assert.Equal(1, (await region.Store.ReadAsync(to, 1, 100)).Count(e => e.Event.Payload is Credited));
    }
}
