namespace Concord.Simulation;

/// <summary>
/// A single-threaded task scheduler the simulator pumps by hand: every continuation of the core's async code runs
/// here, in the order it was queued, so one seed always runs the same interleaving. Nothing runs on the thread pool.
/// </summary>
internal sealed class DeterministicScheduler : TaskScheduler
{
    private readonly Queue<Task> _ready = new();

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>Starts <paramref name="work"/> on this scheduler; it makes progress only while <see cref="RunUntilIdle"/> pumps.</summary>
    public Task<T> Start<T>(Func<Task<T>> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.None, this).Unwrap();

    public Task Start(Func<Task> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.None, this).Unwrap();

    /// <summary>Runs queued work until none is left; returns how many tasks ran.</summary>
    public int RunUntilIdle()
    {
        var ran = 0;
        while (_ready.TryDequeue(out var task))
        {
            TryExecuteTask(task);
            ran++;
            if (ran > 10_000_000)
            {
                throw new InvalidOperationException("The simulated core never went idle: a task keeps requeueing itself.");
            }
        }

        return ran;
    }

    protected override void QueueTask(Task task) => _ready.Enqueue(task);

    // Inline only on the pumping thread, which is the only one there is; keeps synchronous completions synchronous.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => !taskWasPreviouslyQueued && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => [.. _ready];
}
