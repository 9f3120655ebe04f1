using Microsoft.Extensions.Logging;

namespace Concord.Grains.Derived;

internal sealed partial class AccountSummaryGrain
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Summary of {Account} failed to apply a stream delivery at position {Position}; it will catch up from the log.")]
    private partial void LogDeliveryFailed(Exception exception, string account, long position);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Summary of {Account} could not persist position {Position} while deactivating; it will catch up from the log.")]
    private partial void LogPersistFailed(Exception exception, string account, long position);
}
