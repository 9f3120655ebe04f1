using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Replication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Concord.Grains.Constraints;

/// <summary>Entry point of batch transfers in any region: decides here when this is the sources' home, forwards otherwise.</summary>
[StatelessWorker]
internal sealed class BatchTransferGrain(BatchTransferCoordinator coordinator, IOptions<ConcordOptions> options) : Grain, IBatchTransferGrain
{
    public async Task<BatchReceipt> TransferAsync(BatchTransferCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var home = coordinator.HomeOf(command);
        if (string.Equals(home, options.Value.Region, StringComparison.Ordinal))
        {
            return await coordinator.DecideAsync(command, cancellationToken);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.StrictForwardTimeout);
        try
        {
            var links = ServiceProvider.GetService<RegionLinks>();
            return await links!.Get(home).ForwardBatchAsync(command, timeout.Token);
        }
        catch (ConcordException)
        {
            throw;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CoordinationUnavailableException(command.RequestId, home, $"{ex.GetBaseException().Message}. A batch is decided only at its sources' home region; retrying with the same request id is safe.");
        }
    }
}
