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
/// after a burst the stream delivered, the summary when its delivery was lost (and that repair still works). The
/// repair timer is set far beyond the test, so the only pass is the one the account's deactivation runs, after the
/// test has seen (or arranged) what the stream delivered: no race with the timer.
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
    public async Task A_burst_the_stream_delivered_costs_no_repair_call()
    {
        var account = Names.Account("delivered");
        for (var i = 0; i < 5; i++)
        {
            await Grains.GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand($"d-{i}", 1m));
        }

        var positions = _regions.Service<DerivedPositions>("eu");
        await Eventually.HoldsAsync(
            () => Task.FromResult(positions.HasReached(AccountSummaryGrain.ConsumerName, account, 5) && positions.HasReached(TransferProcessorGrain.ConsumerName, account, 5)),
            "the stream delivered all five deposits to the summary and the transfer processor",
            TimeSpan.FromSeconds(30));

        // The pending repair runs once as the account goes; it finds both consumers at the head and calls neither.
        await Grains.GetGrain<IAccountGrain>(account).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Eventually.HoldsAsync(() => Task.FromResult(_passes.Settled == 1), "the deactivating account ran its repair pass", TimeSpan.FromSeconds(30));
        Assert.Equal((0, 0), (_calls.Of(nameof(IAccountSummaryGrain), account), _calls.Of(nameof(ITransferProcessorGrain), account)));
        Assert.Equal(5.00m, (await Grains.GetGrain<IAccountSummaryGrain>(account).GetAsync()).Balance);
    }

    [Fact]
    public async Task A_lost_delivery_is_still_repaired_by_a_call_to_the_consumer_that_missed_it()
    {
        var account = Names.Account("lost");
        var publisher = (DroppingEventPublisher)_regions.Cluster("eu").GetSiloServiceProvider().GetRequiredService<IEventPublisher>();
        publisher.ShouldDrop = entity => entity == account;
        await Grains.GetGrain<IAccountGrain>(account).DepositAsync(new DepositCommand("d-lost", 7m));
        Assert.Equal(1, publisher.Dropped);

        // Neither consumer heard of the deposit, so this silo knows neither at the head: the pass calls both.
        await Grains.GetGrain<IAccountGrain>(account).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Eventually.HoldsAsync(() => Task.FromResult(_passes.Settled == 1), "the deactivating account ran its repair pass", TimeSpan.FromSeconds(30));
        Assert.Equal((1, 1), (_calls.Of(nameof(IAccountSummaryGrain), account), _calls.Of(nameof(ITransferProcessorGrain), account)));
        var summary = await Grains.GetGrain<IAccountSummaryGrain>(account).GetAsync();
        Assert.Equal((1L, 7.00m), (summary.Position, summary.Balance));
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
