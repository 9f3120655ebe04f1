using Concord.Grains.Constraints;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Ledger;
using Concord.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Concord.Tests.Constraints;

[Collection(RegionCollection.Name)]
public sealed class BatchTransferTests(RegionClusterFixture region)
{
    private IBatchTransferGrain Batches => region.Grains.GetGrain<IBatchTransferGrain>(0);

    private BatchTransferTestHooks Hooks => region.Cluster.GetSiloServiceProvider().GetRequiredService<BatchTransferTestHooks>();

    [Fact]
    public async Task A_batch_with_one_failing_leg_changes_nothing()
    {
        var (a, b, c) = (Names.Account("a"), Names.Account("b"), Names.Account("c"));
        await Deposit(a, 100m);
        await Deposit(b, 10m);

        var error = await Assert.ThrowsAsync<InsufficientFundsException>(() =>
            Batches.TransferAsync(new BatchTransferCommand("batch-1", [new(a, c, 50m), new(b, c, 20m)])));

        Assert.Equal(b, error.Account);
        Assert.Equal(10000, await Balance(a));
        Assert.Equal(1000, await Balance(b));
        Assert.Equal(1, await region.Store.GetHeadAsync(a));
        Assert.Equal(1, await region.Store.GetHeadAsync(b));
        Assert.Equal(0, await region.Store.GetHeadAsync(c));

        // The refused batch left no reservation behind: the same funds are still spendable.
        await region.Grains.GetGrain<IAccountGrain>(a).PayoutAsync(new PayoutCommand("p", 100m));
        Assert.Equal(0, await Balance(a));
    }

    [Fact]
    public async Task A_batch_debits_every_leg_once_and_a_retry_changes_nothing()
    {
        var (a, b, c, d) = (Names.Account("a"), Names.Account("b"), Names.Account("c"), Names.Account("d"));
        await Deposit(a, 100m);
        await Deposit(b, 10m);
        var command = new BatchTransferCommand("batch-2", [new(a, c, 50m), new(b, c, 5m), new(a, d, 10m)]);

        var receipt = await Batches.TransferAsync(command);
        var again = await Batches.TransferAsync(command);

        Assert.False(receipt.Replayed);
        Assert.True(again.Replayed);
        Assert.Equal(receipt.Debits.Select(r => r.EventId), again.Debits.Select(r => r.EventId));
        Assert.Equal([a, b, a], receipt.Debits.Select(r => r.EventId.EntityId));
        Assert.Equal(4000, await Balance(a));
        Assert.Equal(500, await Balance(b));
        await Eventually.HoldsAsync(async () => await Balance(c) == 5500 && await Balance(d) == 1000, "the legs are credited");
    }

    [Fact]
    public async Task Funds_held_by_a_committed_batch_cannot_be_spent_before_it_settles()
    {
        var (a, c) = (Names.Account("a"), Names.Account("c"));
        await Deposit(a, 100m);
        var committed = new TaskCompletionSource();
        var proceed = new TaskCompletionSource();
        Hooks.AfterCommit = async batch =>
        {
            committed.TrySetResult();
            await proceed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        };
        try
        {
            var batch = Batches.TransferAsync(new BatchTransferCommand("batch-3", [new(a, c, 80m)]));
            await committed.Task.WaitAsync(TimeSpan.FromSeconds(30));

            var error = await Assert.ThrowsAsync<InsufficientFundsException>(() => region.Grains.GetGrain<IAccountGrain>(a).PayoutAsync(new PayoutCommand("p", 30m)));
            Assert.Equal(20.00m, error.Available);

            proceed.SetResult();
            await batch;
        }
        finally
        {
            Hooks.AfterCommit = null;
        }

        Assert.Equal(2000, await Balance(a));
    }

    [Fact]
    public async Task A_hold_committed_but_never_appended_is_completed_exactly_once_after_a_crash()
    {
        var (a, b, c) = (Names.Account("a"), Names.Account("b"), Names.Account("c"));
        await Deposit(a, 100m);
        await Deposit(b, 100m);
        Hooks.AfterCommit = _ => throw new InvalidOperationException("simulated crash between commit and append");
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => Batches.TransferAsync(new BatchTransferCommand("batch-4", [new(a, c, 30m), new(b, c, 20m)])));
        }
        finally
        {
            Hooks.AfterCommit = null;
        }

        Assert.Equal(1, await region.Store.GetHeadAsync(a));

        // Lose everything held in memory; the durable holds must drive the appends on reactivation.
        await region.Cluster.DeactivateAsync(region.Grains.GetGrain<IAccountGrain>(a));
        await region.Cluster.DeactivateAsync(region.Grains.GetGrain<IAccountGrain>(b));
        await Eventually.HoldsAsync(async () => await Balance(a) == 7000 && await Balance(b) == 8000, "recovery appends the held debits");
        await Eventually.HoldsAsync(async () => await Balance(c) == 5000, "and the credits follow");

        var retry = await Batches.TransferAsync(new BatchTransferCommand("batch-4", [new(a, c, 30m), new(b, c, 20m)]));
        Assert.True(retry.Replayed);
        Assert.Equal(2, await region.Store.GetHeadAsync(a));
        Assert.Equal(2, await region.Store.GetHeadAsync(b));
        Assert.Empty(await region.Grains.GetGrain<IAccountHoldsGrain>(a).GetOutstandingAsync());
        Assert.Equal(5000, await Balance(c));
    }

    [Theory]
    [InlineData("legs")]
    [InlineData("to")]
    [InlineData("amount")]
    public async Task Bad_batches_are_refused(string field)
    {
        var a = Names.Account("a");
        await Deposit(a, 10m);
        BatchTransferCommand command = field switch
        {
            "legs" => new("bad-1", []),
            "to" => new("bad-2", [new(a, a, 1m)]),
            _ => new("bad-3", [new(a, "x", 0.001m)]),
        };

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => Batches.TransferAsync(command));

        Assert.Equal(field, error.Field);
        Assert.Equal(1, await region.Store.GetHeadAsync(a));
    }

    private Task Deposit(string account, decimal amount) =>
        region.Grains.GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("seed", amount));

    /// <summary>The balance in minor units, as the expected values here are written.</summary>
    private async Task<long> Balance(string account) => (long)((await region.Grains.GetGrain<IAccountGrain>(account).GetBalanceAsync()).Balance * 100m);
}
