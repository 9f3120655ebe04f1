using System.Diagnostics;

namespace Concord.Bench.Harness;

/// <summary>Every wait of the harness has a deadline and says what it waited for when it runs out.</summary>
public static class Deadline
{
    /// <summary>Polls <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> at the deadline.</summary>
    public static Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken) =>
        UntilAsync(condition, timeout, what, TimeSpan.FromMilliseconds(20), cancellationToken);

    /// <summary>Polls <paramref name="condition"/> every <paramref name="poll"/> until it holds; throws <see cref="TimeoutException"/> at the deadline.</summary>
    public static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan poll, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return clock.Elapsed;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"gave up after {timeout.TotalSeconds:0.#} s waiting for {what}");
            }

            await Task.Delay(poll, cancellationToken);
        }
    }

    public static async Task WaitAllAsync(Task[] tasks, TimeSpan timeout, string what)
    {
        var all = Task.WhenAll(tasks);
        if (await Task.WhenAny(all, Task.Delay(timeout)) != all)
        {
            throw new TimeoutException($"gave up after {timeout.TotalSeconds:0.#} s waiting for {what}");
        }

        await all;
    }
}
