using System.Diagnostics.Metrics;

namespace Concord.Bench.Harness;

/// <summary>
/// Listens to Concord's instruments in every silo of this process while it is alive: counters are summed,
/// histograms (in ms) recorded into a <see cref="LatencyRecorder"/>.
/// </summary>
public sealed class MetricTap : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _totals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LatencyRecorder> _histograms = new(StringComparer.Ordinal);

    public MetricTap(string meter, params string[] instruments)
    {
        foreach (var instrument in instruments)
        {
            _totals[instrument] = 0;
            _histograms[instrument] = new LatencyRecorder();
        }

        _listener.InstrumentPublished = (i, listener) =>
        {
            if (i.Meter.Name == meter && _totals.ContainsKey(i.Name))
            {
                listener.EnableMeasurementEvents(i);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, _, _) =>
        {
            lock (_totals)
            {
                _totals[i.Name] += value;
            }
        });
        _listener.SetMeasurementEventCallback<double>((i, value, _, _) => _histograms[i.Name].RecordMicros((long)(value * 1000)));
        _listener.Start();
    }

    /// <summary>The sum of a counter's measurements so far.</summary>
    public long Total(string instrument)
    {
        lock (_totals)
        {
            return _totals[instrument];
        }
    }

    /// <summary>A histogram's measurements so far (a duration in ms each).</summary>
    public LatencySummary Histogram(string instrument) => _histograms[instrument].Summary();

    public void Dispose() => _listener.Dispose();
}
