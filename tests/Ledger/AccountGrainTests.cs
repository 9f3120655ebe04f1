using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Ledger;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Ledger;

[Collection(RegionCollection.Name)]
public sealed class AccountGrainTests(RegionClusterFixture region)
{
    [Fact]
    public async Task Repeating_a_command_with_the_same_request_id_returns_the_original_receipt_and_changes_nothing()
    {
        var account = region.Grains.GetGrain<IAccountGrain>(Names.Account("idem"));

        var first = await account.DepositAsync(new DepositCommand("dep-1", 100m));
        var again = await account.DepositAsync(new DepositCommand("dep-1", 100m));
        var payout = await account.PayoutAsync(new PayoutCommand("pay-1", 30m));
        var payoutAgain = await account.PayoutAsync(new PayoutCommand("pay-1", 30m));

        Assert.False(first.Replayed);
        Assert.True(again.Replayed);
        Assert.Equal(first.EventId, again.EventId);
        Assert.Equal(first.Position, again.Position);
        Assert.Equal(payout.EventId, payoutAgain.EventId);
        var balance = await account.GetBalanceAsync();
        Assert.Equal(70.00m, balance.Balance);
        Assert.Equal(2, balance.Position);
    }

    [Fact]
    public async Task Concurrent_retries_of_one_request_take_effect_once()
    {
        var account = region.Grains.GetGrain<IAccountGrain>(Names.Account("race"));

        var receipts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => account.DepositAsync(new DepositCommand("same", 5m))));

        Assert.Single(receipts.Select(r => r.EventId).Distinct());
        Assert.Equal(1, receipts.Count(r => !r.Replayed));
        Assert.Equal(5.00m, (await account.GetBalanceAsync()).Balance);
    }

    [Fact]
    public async Task Reusing_a_request_id_with_different_parameters_is_refused()
    {
        var account = region.Grains.GetGrain<IAccountGrain>(Names.Account("reuse"));
        await account.DepositAsync(new DepositCommand("r", 10m));

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => account.DepositAsync(new DepositCommand("r", 11m)));

        Assert.Equal("requestId", error.Field);
        Assert.Equal(10.00m, (await account.GetBalanceAsync()).Balance);
    }

    public static TheoryData<string, Func<IAccountGrain, Task>> BadCommands => new()
    {
        { "amount", a => a.DepositAsync(new DepositCommand("b1", 0m)) },
        { "amount", a => a.DepositAsync(new DepositCommand("b2", -5m)) },
        { "amount", a => a.DepositAsync(new DepositCommand("b3", 1.005m)) },
        { "amount", a => a.DepositAsync(new DepositCommand("b4", 10_000_000_000_001m)) },
        { "requestId", a => a.DepositAsync(new DepositCommand("", 1m)) },
        { "requestId", a => a.DepositAsync(new DepositCommand("has space", 1m)) },
        { "requestId", a => a.DepositAsync(new DepositCommand(new string('r', 129), 1m)) },
        { "mode", a => a.DepositAsync(new DepositCommand("b5", 1m, (ConsistencyMode)7)) },
        { "to", a => a.TransferAsync(new TransferCommand("b6", "", 1m)) },
        { "to", a => a.TransferAsync(new TransferCommand("b7", "no/slash", 1m)) },
        { "to", a => a.TransferAsync(new TransferCommand("b8", a.GetPrimaryKeyString(), 1m)) },
        { "amount", a => a.PayoutAsync(new PayoutCommand("b9", 0.001m)) },
        { "fromPosition", a => a.GetStatementAsync(0, 10) },
        { "maxCount", a => a.GetStatementAsync(1, 1001) },
    };

    [Theory]
    [MemberData(nameof(BadCommands))]
    public async Task Bad_input_gets_a_typed_error_and_changes_nothing(string field, Func<IAccountGrain, Task> command)
    {
        var account = region.Grains.GetGrain<IAccountGrain>(Names.Account("bad"));
        await account.DepositAsync(new DepositCommand("seed", 50m));
        var before = await account.GetBalanceAsync();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => command(account));

        Assert.Equal(field, error.Field);
        var after = await account.GetBalanceAsync();
        Assert.Equal(before.Balance, after.Balance);
        Assert.Equal(before.Position, after.Position);
        Assert.Equal(before.Position, await region.Store.GetHeadAsync(account.GetPrimaryKeyString()));
    }

    [Theory]
    [InlineData("bad key")]
    [InlineData("x/y")]
    public async Task An_invalid_account_key_is_refused_and_nothing_is_stored(string key)
    {
        var account = region.Grains.GetGrain<IAccountGrain>(key);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => account.DepositAsync(new DepositCommand("k", 1m)));

        Assert.Equal("account", error.Field);
        Assert.Equal(0, await region.Store.GetHeadAsync(key));
    }

    [Fact]
    public async Task A_deposit_that_would_overflow_the_totals_is_refused()
    {
        var account = region.Grains.GetGrain<IAccountGrain>(Names.Account("overflow"));
        var max = Money.ToDecimal(Money.MaxAmount);
        var accepted = 0;
        InvalidRequestException? refusal = null;
        for (var i = 0; i < 10_000 && refusal is null; i++)
        {
            try
            {
                await account.DepositAsync(new DepositCommand($"big-{i}", max));
                accepted++;
            }
            catch (InvalidRequestException ex)
            {
                refusal = ex;
            }
        }

        Assert.NotNull(refusal);
        Assert.Equal(long.MaxValue / Money.MaxAmount, accepted);
        Assert.Equal(Money.ToDecimal(accepted * Money.MaxAmount), (await account.GetBalanceAsync()).Balance);
    }

    [Theory]
    [InlineData(ConsistencyMode.Strict)]
    [InlineData(ConsistencyMode.Optimistic)]
    public async Task Debits_beyond_the_balance_are_refused_with_nothing_changed(ConsistencyMode mode)
    {
        var name = Names.Account("funds");
        var account = region.Grains.GetGrain<IAccountGrain>(name);
        await account.DepositAsync(new DepositCommand("d", 10m));

        var transfer = await Assert.ThrowsAsync<InsufficientFundsException>(() => account.TransferAsync(new TransferCommand("t", "elsewhere", 10.01m, mode)));
        var payout = await Assert.ThrowsAsync<InsufficientFundsException>(() => account.PayoutAsync(new PayoutCommand("p", 11m)));

        Assert.Equal(10.01m, transfer.Requested);
        Assert.Equal(10.00m, transfer.Available);
        Assert.Equal(11.00m, payout.Requested);
        Assert.Equal(10.00m, (await account.GetBalanceAsync()).Balance);
        Assert.Equal(1, await region.Store.GetHeadAsync(name));
    }

    [Fact]
    public async Task Concurrent_debits_never_overdraw()
    {
        var account = region.Grains.GetGrain<IAccountGrain>(Names.Account("concurrent"));
        await account.DepositAsync(new DepositCommand("d", 100m));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            try
            {
                await account.PayoutAsync(new PayoutCommand($"p{i}", 3m));
                return true;
            }
            catch (InsufficientFundsException)
            {
                return false;
            }
        }));

        Assert.Equal(33, attempts.Count(ok => ok));
        Assert.Equal(1.00m, (await account.GetBalanceAsync()).Balance);
    }

    [Fact]
    public async Task A_replica_rebuilt_after_deactivation_equals_the_state_before()
    {
        var name = Names.Account("rebuild");
        var account = region.Grains.GetGrain<IAccountGrain>(name);
        for (var i = 0; i < 120; i++)
        {
            await account.DepositAsync(new DepositCommand($"d{i}", 1.25m));
            if (i % 3 == 0)
            {
                await account.PayoutAsync(new PayoutCommand($"p{i}", 0.5m));
            }
        }

        var before = await account.GetBalanceAsync();
        var statementBefore = await account.GetStatementAsync(1, 1000);

        await region.Cluster.DeactivateAsync(account);
        var after = await account.GetBalanceAsync();
        var replay = await account.DepositAsync(new DepositCommand("d7", 1.25m));

        Assert.Equal(before, after);
        var statementAfter = await account.GetStatementAsync(1, 1000);
        Assert.Equal(statementBefore.Lines.ToArray(), statementAfter.Lines.ToArray());

        Assert.True(replay.Replayed, "request ids must survive a rebuild (snapshot + log tail)");
    }

    [Fact]
    public async Task The_statement_lists_every_event_with_signed_amounts()
    {
        var name = Names.Account("statement");
        var account = region.Grains.GetGrain<IAccountGrain>(name);
        await account.DepositAsync(new DepositCommand("d", 20m));
        await account.TransferAsync(new TransferCommand("t", Names.Account("peer"), 5m));
        await account.PayoutAsync(new PayoutCommand("p", 1.5m));

        var statement = await account.GetStatementAsync();

        Assert.Equal(["deposit", "transfer-out", "payout"], statement.Lines.Select(l => l.Kind));
        Assert.Equal([20.00m, -5.00m, -1.50m], statement.Lines.Select(l => l.Amount));
        Assert.Null(statement.NextPosition);
        Assert.Equal(3, (await account.GetStatementAsync(1, 2)).NextPosition);
    }
}
