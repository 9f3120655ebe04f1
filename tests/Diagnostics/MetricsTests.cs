using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Concord.Grains.Diagnostics;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Ledger;
using Concord.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Concord.Tests.Diagnostics;

/// <summary>The Concord meter counts what the region does, read with a listener on exactly this silo's meter.</summary>
[Collection(RegionCollection.Name)]
public sealed class MetricsTests(RegionClusterFixture region) : IDisposable
{
    private readonly ConcurrentDictionary<string, long> _totals = new(StringComparer.Ordinal);
    private MeterListener? _listener;

    [Fact]
    public async Task Appends_and_aborted_transactions_are_counted()
    {
        Listen();
        var (a, b) = (Names.Account("metrics-a"), Names.Account("metrics-b"));
        var account = region.Grains.GetGrain<IAccountGrain>(a);
        for (var i = 0; i < 3; i++)
        {
            await account.DepositAsync(new DepositCommand($"m{i}", 1m));
        }

        await Assert.ThrowsAsync<InsufficientFundsException>(() =>
            region.Grains.GetGrain<IBatchTransferGrain>(0).TransferAsync(new BatchTransferCommand("metrics-batch", [new(a, b, 50m)])));

        _listener!.RecordObservableInstruments();
        Assert.Equal(3, _totals.GetValueOrDefault("concord.events.appended"));
        Assert.Equal(1, _totals.GetValueOrDefault("concord.transactions.aborted/batch-transfer"));
        Assert.Equal(0, _totals.GetValueOrDefault("concord.events.applied"));
    }

    public void Dispose() => _listener?.Dispose();

    private void Listen()
    {
        var meter = region.Cluster.GetSiloServiceProvider().GetRequiredService<ConcordMetrics>().Meter;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var operation = string.Empty;
            foreach (var tag in tags)
            {
                if (tag.Key == "operation")
                {
                    operation = $"/{tag.Value}";
                }
            }

            _totals.AddOrUpdate(instrument.Name + operation, value, (_, total) => total + value);
        });
        _listener.Start();
    }
}
