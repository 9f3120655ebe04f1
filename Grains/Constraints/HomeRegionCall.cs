using Concord.Grains.Diagnostics;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Replication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Concord.Grains.Constraints;

/// <summary>
/// Calls a home region over its link, bounded by a timeout. Domain refusals from the home (insufficient
/// funds, bad input) pass through; anything that means "the home did not answer" becomes
/// <see cref="CoordinationUnavailableException"/>, so strict operations fail fast and typed.
/// </summary>
internal static class HomeRegionCall
{
    public static async Task<T> InvokeAsync<T>(
        IServiceProvider services,
        string home,
        string entityId,
        TimeSpan timeout,
        Func<IRegionLink, CancellationToken, Task<T>> call,
        CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        var metrics = services.GetRequiredService<ConcordMetrics>();
        var region = services.GetRequiredService<IOptions<ConcordOptions>>().Value.Region;
        try
        {
            var links = services.GetService<RegionLinks>()
                ?? throw new RegionLinkUnavailableException(home, "this region has no links to other regions");
            var result = await call(links.Get(home), bounded.Token);
            metrics.StrictForward(region, home, failed: false);
            return result;
        }
        catch (ConcordException ex)
        {
            metrics.StrictForward(region, home, failed: ex is CoordinationUnavailableException);
            throw;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            metrics.StrictForward(region, home, failed: true);
            throw new CoordinationUnavailableException(
                entityId,
                home,
                $"{ex.GetBaseException().Message}. Strict operations that this region's escrow share does not cover are decided only there; if the request reached it, retrying with the same request id returns its result.");
        }
    }
}
