using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Derived;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Audit;

internal static class QuiescentAudit
{
    /// <summary>Waits until transfers settled (the totals are only comparable then), then runs a full audit of the region.</summary>
    public static async Task<AuditReport> RunAsync(IGrainFactory grains)
    {
        await Eventually.HoldsAsync(async () => (await grains.GetGrain<IRegionTotalsGrain>(0).GetAsync()).InFlight == 0, "no transfer in flight");
        return await grains.GetGrain<IAuditorGrain>(0).RunAsync(new AuditRequest());
    }
}
