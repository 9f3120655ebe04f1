using System.Data.Common;
using Concord.Grains.Interfaces.Errors;

namespace Concord.Grains.Hosting;

/// <summary>
/// A database error escaping a Concord grain (for example from grain storage under connection exhaustion) reaches the
/// caller as <see cref="StorageUnavailableException"/>: a driver's exception type cannot be deserialized by a client
/// that lacks the driver, and would turn a clear, retryable failure into a broken response.
/// </summary>
internal sealed class StorageFailureFilter : IIncomingGrainCallFilter
{
    // Orleans' own calls go straight through, without an extra await on every system call.
    public Task Invoke(IIncomingGrainCallContext context) =>
        context.InterfaceMethod?.DeclaringType?.Namespace?.StartsWith("Concord.", StringComparison.Ordinal) == true
            ? InvokeConcordAsync(context)
            : context.Invoke();

    private static async Task InvokeConcordAsync(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (DbException ex)
        {
            throw new StorageUnavailableException(
                context.TargetId.Key.ToString() ?? string.Empty,
                $"The region's storage failed ({ex.GetType().Name}: {ex.Message}); the operation may not have taken effect. Retry with the same request id.");
        }
    }
}
