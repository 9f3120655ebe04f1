using Microsoft.Extensions.Logging;

namespace Concord.Grains.Ledger;

internal sealed partial class AccountGrain
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Account {Account} activated at position {Position} (snapshot at {SnapshotPosition}).")]
    private partial void LogActivated(string account, long position, long snapshotPosition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Snapshot of {Account} claims position {SnapshotPosition}, beyond the log head {Head}; rebuilding from the log.")]
    private partial void LogSnapshotAhead(string account, long snapshotPosition, long head);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing positions {From}-{To} of {Account} failed; consumers will pull them from the log.")]
    private partial void LogPublishFailed(Exception exception, string account, long from, long to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the snapshot of {Account} at position {Position} failed; the log still holds everything.")]
    private partial void LogSnapshotFailed(Exception exception, string account, long position);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Derived state of {Account} could not catch up to position {Position}; retrying.")]
    private partial void LogRepairFailed(Exception exception, string account, long position);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account} holds {Count} out-of-order remote events; dropping them for anti-entropy to resend.")]
    private partial void LogRemoteBufferOverflow(string account, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account} refused {Count} remote event(s): a bad hash, another entity, or a broken chain.")]
    private partial void LogRemoteRejected(string account, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Strict debit of {Account} could not reach its home region {Home}.")]
    private partial void LogForwardFailed(Exception exception, string account, string home);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account} is overdrawn at its home region ({Balance} minor units) after {Causes} debit(s); appending an apology.")]
    private partial void LogOverdraft(string account, long balance, int causes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account} found {Count} committed batch hold(s) not yet settled; settling them now.")]
    private partial void LogSettlingHolds(string account, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling batch hold {Batch} of {Account} failed; retrying.")]
    private partial void LogSettleFailed(Exception exception, string account, string batch);

    [LoggerMessage(Level = LogLevel.Error, Message = "Appending to the log of {Account} failed; deactivating to rebuild from storage.")]
    private partial void LogAppendFailed(Exception exception, string account);
}
