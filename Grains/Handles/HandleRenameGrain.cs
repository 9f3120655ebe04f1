using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Orleans.Concurrency;

namespace Concord.Grains.Handles;

/// <summary>
/// Renames: a strict command on the new handle. At the handles' primary region one transaction releases the old
/// handle and claims the new one for the same account, so the account is never without a handle and never holds both.
/// </summary>
[StatelessWorker]
internal sealed class HandleRenameGrain : Grain, IHandleRenameGrain
{
    public Task<HandleReceipt> RenameAsync(RenameHandleCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        EntityKeys.RequireRequestId(command.RequestId);
        var old = EntityKeys.RequireKey(command.Old, "old");
        var @new = EntityKeys.RequireKey(command.New, "new");
        if (string.Equals(old, @new, StringComparison.Ordinal))
        {
            throw new InvalidRequestException("new", "A rename needs two different handles.");
        }

        return GrainFactory.GetGrain<IHandleBindingsGrain>(@new).RenameIntoAsync(command, cancellationToken);
    }
}
