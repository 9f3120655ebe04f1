using Microsoft.Extensions.Logging;

namespace Concord.Grains.Ledger;

internal sealed partial class AccountGrain
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account} found {Count} committed batch hold(s) not yet settled; settling them now.")]
    private partial void LogSettlingHolds(string account, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling batch hold {Batch} of {Account} failed; retrying.")]
    private partial void LogSettleFailed(Exception exception, string account, string batch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing expired hold {Hold} of {Account} failed; retried by the next timer or reminder.")]
    private partial void LogHoldExpiryFailed(Exception exception, string account, string hold);
}
