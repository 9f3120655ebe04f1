using System.Collections.Concurrent;
using System.Diagnostics;

namespace Concord.Bench.Harness;

/// <summary>Drives operations: closed loop (N callers as fast as they are answered) or paced (a fixed offered rate).</summary>
public static class LoadDriver
{
    /// <summary>
    /// N callers each run <paramref name="operation"/> back to back: first for the warm-up, unmeasured, then for
    /// the measured window. Throughput counts completions inside the window; latency covers calls started in it.
    /// </summary>
    public static async Task<LoadResult> RunClosedAsync(int callers, TimeSpan warmUp, TimeSpan measure, Func<int, long, Task> operation, CancellationToken cancellationToken)
    {
        var latency = new LatencyRecorder();
        var errors = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var phase = 0; // 0 warm-up, 1 measured, 2 stopping
        long completed = 0;
        var workers = Enumerable.Range(0, callers).Select(worker => Task.Run(async () =>
        {
            for (long n = 0; Volatile.Read(ref phase) < 2 && !cancellationToken.IsCancellationRequested; n++)
            {
                var startedMeasured = Volatile.Read(ref phase) == 1;
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await operation(worker, n);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    errors.AddOrUpdate(ex.GetBaseException().GetType().Name, 1, (_, c) => c + 1);
                    continue;
                }

                if (Volatile.Read(ref phase) == 1)
                {
                    Interlocked.Increment(ref completed);
                    if (startedMeasured)
                    {
                        latency.RecordTicks(Stopwatch.GetTimestamp() - start);
                    }
                }
            }
        }, CancellationToken.None)).ToArray();

        await Task.Delay(warmUp, cancellationToken);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var window = Stopwatch.StartNew();
        Volatile.Write(ref phase, 1);
        await Task.Delay(measure, cancellationToken);
        var ops = Interlocked.Read(ref completed);
        Volatile.Write(ref phase, 2);
        var elapsed = window.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        await Deadline.WaitAllAsync(workers, TimeSpan.FromSeconds(60), "callers to finish their last call");
        return new LoadResult(ops, elapsed, latency.Summary(), new Dictionary<string, long>(errors), cpu);
    }

    /// <summary>
    /// Offers <paramref name="ratePerSecond"/> operations per second for <paramref name="duration"/>, at most
    /// <paramref name="maxOutstanding"/> at once (a slot that finds them all busy is counted as missed, not queued).
    /// Cancelling <paramref name="cancellationToken"/> ends the load early; the result covers what ran.
    /// </summary>
    public static async Task<LoadResult> RunPacedAsync(double ratePerSecond, TimeSpan duration, int maxOutstanding, Func<long, Task> operation, CancellationToken cancellationToken)
    {
        var latency = new LatencyRecorder();
        var errors = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var running = new ConcurrentDictionary<long, Task>();
        long completed = 0, issued = 0, missed = 0;
        var outstanding = 0;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * ratePerSecond);
            while (issued + missed < due)
            {
                if (Volatile.Read(ref outstanding) >= maxOutstanding)
                {
                    missed++;
                    continue;
                }

                var n = issued++;
                Interlocked.Increment(ref outstanding);
                running[n] = Task.Run(async () =>
                {
                    var start = Stopwatch.GetTimestamp();
                    try
                    {
                        await operation(n);
                        latency.RecordTicks(Stopwatch.GetTimestamp() - start);
                        Interlocked.Increment(ref completed);
                    }
                    catch (Exception ex)
                    {
                        errors.AddOrUpdate(ex.GetBaseException().GetType().Name, 1, (_, c) => c + 1);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref outstanding);
                        running.TryRemove(n, out _);
                    }
                }, CancellationToken.None);
            }

            try
            {
                await Task.Delay(1, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Cancelling ends the offered load; what was issued still completes and is counted.
                break;
            }
        }

        var elapsed = clock.Elapsed;
        await Deadline.WaitAllAsync([.. running.Values], TimeSpan.FromSeconds(60), "paced calls to finish");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        return new LoadResult(Interlocked.Read(ref completed), elapsed, latency.Summary(), new Dictionary<string, long>(errors), cpu) { Missed = missed };
    }
}

/// <summary>The outcome of one load phase. <see cref="Cpu"/> is the whole process's CPU time during it (regions and clients).</summary>
public sealed record LoadResult(long Ops, TimeSpan Elapsed, LatencySummary Latency, IReadOnlyDictionary<string, long> Errors, TimeSpan Cpu)
{
    public double Throughput => Ops / Elapsed.TotalSeconds;

    public long ErrorCount => Errors.Values.Sum();

    /// <summary>Paced runs only: slots skipped because every allowed call was still outstanding.</summary>
    public long Missed { get; init; }

    /// <summary>CPU microseconds the process spent per completed operation.</summary>
    public double CpuMicrosPerOp => Ops == 0 ? double.NaN : Cpu.TotalMicroseconds / Ops;

    public string DescribeErrors() => ErrorCount == 0 ? "none" : string.Join(", ", Errors.Select(e => $"{e.Key} x{e.Value}"));
}
