using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Concord.Grains.Diagnostics;
using Concord.Grains.Derived;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Ledger;
using Concord.Grains.Streaming;
using Concord.TestKit;
using Concord.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;

namespace Concord.Tests.Derived;

/// <summary>
/// An account's repair pass calls only the derived consumers this silo does not know to be at the log's head: none
/// after a burst the log feed and the account delivered, the summary when its delivery was lost, the transfer processor
/// when the account's message with a debit was lost (and those repairs still work). The
/// repair timer is set far beyond the test, so the only pass is the one the account's deactivation runs, after the
/// test has seen (or arranged) what the log feed delivered: no race with the timer.
/// </summary>
public sealed class DerivedRepairCallsTests : IAsyncLifetime
{
    private readonly CatchUpCalls _calls = new();
    private readonly RepairPasses _passes = new();
    private ConcordTestRegions _regions = null!;

    public async Task InitializeAsync()
    {
        _regions = await ConcordTestRegions.StartAsync(new ConcordTestRegionsOptions
        {
            Regions = ["eu"],
            SignCheckpoints = false,
            ConfigureSilo = (_, silo) =>
            {
                silo.Services.AddSingleton<IEventPublisher, DroppingEventPublisher>();
                silo.Services.AddSingleton<IIncomingGrainCallFilter>(_calls);
                silo.Services.AddSingleton<IIncomingGrainCallFilter, FailingCalls>();
            },
            ConfigureConcord = (_, options) => options.DerivedRepairDelay = TimeSpan.FromHours(1),
        });
        _passes.Listen(_regions.Service<ConcordMetrics>("eu").Meter);
    }

    public async Task DisposeAsync()
    {
        _passes.Dispose();
        await _regions.DisposeAsync();
    }

    private IGrainFactory Grains => _regions.Grains("eu");

    [Fact]
    public async Task A_burst_the_feed_and_the_account_delivered_costs_no_repair_call()
    {
        var (account, to) = (Names.Account("delivered"), Names.Account("delivered-to"));
        for (var i = 0; i < 4; i++)
        {
            await Grains.GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand($"d-{i}", 1m));
        }

        await Grains.GetGrain<IAccountGrain>(account).TransferAsync(new TransferCommand("t", to, 3m));
        await Grains.GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("d-after", 1m));

        // The summary heard all six events by the log feed; the processor heard only of the debit, at position 5, and
        // the account knows the deposit after it needs no processing.
        var positions = _regions.Service<DerivedPositions>("eu");
        await Eventually.HoldsAsync(
            () => Task.FromResult(positions.HasReached(AccountSummaryGrain.ConsumerName, account, 6) && positions.HasReached(TransferProcessorGrain.ConsumerName, account, 5)),
            "the log feed delivered the six events to the summary, and the account its debit to the transfer processor",
            TimeSpan.FromSeconds(30));
        Assert.False(positions.HasReached(TransferProcessorGrain.ConsumerName, account, 6));

        // The pending repair runs once as the account goes; it finds both consumers done and calls neither.
        await Grains.GetGrain<IAccountGrain>(account).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Eventually.HoldsAsync(() => Task.FromResult(_passes.Settled == 1), "the deactivating account ran its repair pass", TimeSpan.FromSeconds(30));
        Assert.Equal((0, 0), (_calls.Of(nameof(IAccountSummaryGrain), account), _calls.Of(nameof(ITransferProcessorGrain), account)));
        Assert.Equal(2.00m, (await Grains.GetGrain<IAccountSummaryGrain>(account).GetAsync()).Balance);
        Assert.Equal(3.00m, (await Grains.GetGrain<IAccountGrain>(to).GetBalanceAsync()).Balance);
    }

    [Fact]
    public async Task A_lost_delivery_is_still_repaired_by_a_call_to_the_consumer_that_missed_it()
    {
        var account = Names.Account("lost");
        var publisher = (DroppingEventPublisher)_regions.Cluster("eu").GetSiloServiceProvider().GetRequiredService<IEventPublisher>();
        publisher.ShouldDrop = entity => entity == account;
        await Grains.GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("d-lost", 7m));
        Assert.Equal(1, publisher.Dropped);

        // The summary never heard of the deposit, so the pass calls it; a deposit is nothing for the processor.
        await Grains.GetGrain<IAccountGrain>(account).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Eventually.HoldsAsync(() => Task.FromResult(_passes.Settled == 1), "the deactivating account ran its repair pass", TimeSpan.FromSeconds(30));
        Assert.Equal((1, 0), (_calls.Of(nameof(IAccountSummaryGrain), account), _calls.Of(nameof(ITransferProcessorGrain), account)));
        var summary = await Grains.GetGrain<IAccountSummaryGrain>(account).GetAsync();
        Assert.Equal((1L, 7.00m), (summary.Position, summary.Balance));
    }

    [Fact]
    public async Task A_lost_debit_message_is_repaired_by_a_call_to_the_processor_that_credits_it_once()
    {
        var (account, to) = (Names.Account("lost-debit"), Names.Account("lost-debit-to"));
        await Grains.GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("d", 10m));
        const string fastPath = nameof(ITransferProcessorGrain) + "." + nameof(ITransferProcessorGrain.DebitsAppendedAsync);
        FailingCalls.FailOnGrain(fastPath, account, times: 1);
        await Grains.GetGrain<IAccountGrain>(account).TransferAsync(new TransferCommand("t", to, 4m));
        await Eventually.HoldsAsync(() => Task.FromResult(FailingCalls.LeftOnGrain(fastPath, account) == 0), "the processor lost the message with the debit", TimeSpan.FromSeconds(30));
        Assert.Equal(0m, (await Grains.GetGrain<IAccountGrain>(to).GetBalanceAsync()).Balance);

        // The processor is not known to have reached the debit, so the pass calls it, and it credits the transfer.
        await Grains.GetGrain<IAccountGrain>(account).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Eventually.HoldsAsync(() => Task.FromResult(_passes.Settled == 1), "the deactivating account ran its repair pass", TimeSpan.FromSeconds(30));
        Assert.Equal(1, _calls.Of(nameof(ITransferProcessorGrain), account));
        var credited = await Grains.GetGrain<IAccountGrain>(to).GetBalanceAsync();
        Assert.Equal((1L, 4.00m), (credited.Position, credited.Balance));
    }

    /// <summary>Counts settled passes of <c>concord.derived.repair_passes</c> in one silo's meter.</summary>
    private sealed class RepairPasses : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _settled;

        public int Settled => Volatile.Read(ref _settled);

        public void Listen(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "concord.derived.repair_passes")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag is { Key: "settled", Value: true })
                    {
                        Interlocked.Add(ref _settled, (int)value);
                    }
                }
            });
            _listener.Start();
        }

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>Counts <c>CatchUpAsync</c> calls on the account's summary and transfer processor, by interface and account.</summary>
    private sealed class CatchUpCalls : IIncomingGrainCallFilter
    {
        private readonly ConcurrentDictionary<(string Interface, string Account), int> _calls = new();

        public int Of(string @interface, string account) => _calls.GetValueOrDefault((@interface, account));

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name == "CatchUpAsync" && context.InterfaceMethod.DeclaringType is { } declaring
                && (declaring == typeof(IAccountSummaryGrain) || declaring == typeof(ITransferProcessorGrain)))
            {
                _calls.AddOrUpdate((declaring.Name, context.TargetId.Key.ToString()!), 1, (_, n) => n + 1);
            }

            return context.Invoke();
        }
    }
}
