using Concord.Grains.Hosting;

namespace Concord.Bench.Baseline;

/// <summary>
/// Writes its small state to the region's own grain storage (<see cref="ConcordStorage.Name"/>, memory storage
/// in the embedded default) on every call: the same storage kind, silo, client and concurrency as the write paths.
/// </summary>
public sealed class BaselineGrain([PersistentState("baseline", ConcordStorage.Name)] IPersistentState<BaselineState> state) : Grain, IBaselineGrain
{
    public async Task<long> WriteAsync(long amount)
    {
        state.State.Writes++;
        state.State.Total += amount;
        await state.WriteStateAsync();
        return state.State.Writes;
    }
}
