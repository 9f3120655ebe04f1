using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Replication;
using Microsoft.Extensions.DependencyInjection;

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
        try
        {
            var links = services.GetService<RegionLinks>()
                ?? throw new RegionLinkUnavailableException(home, "this region has no links to other regions");
            return await call(links.Get(home), bounded.Token);
        }
        catch (ConcordException)
        {
            throw;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CoordinationUnavailableException(
                entityId,
                home,
                $"{ex.GetBaseException().Message}. Strict operations are decided only there; if the request reached it, retrying with the same request id returns its result.");
        }
    }
}
