using Microsoft.Extensions.Logging;

namespace Concord.Grains.Entities;

public abstract partial class ReplicatedEntityGrain<TState>
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{EntityId}: refused {Rejected} remote event(s) and dropped {Dropped} buffered; anti-entropy resends what is missing.")]
    private partial void LogRemoteRefused(string entityId, int rejected, int dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{EntityId}: the home region's event could not be applied here at once; replication brings it.")]
    private partial void LogForwardedApplyFailed(Exception exception, string entityId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{EntityId}: publishing to derived views failed; they pull the gap from the log.")]
    private partial void LogPublishFailed(Exception exception, string entityId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{EntityId}: bringing its views to position {Position} failed; retried on the next tick.")]
    private partial void LogRepairFailed(Exception exception, string entityId, long position);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{EntityId}: writing a snapshot at position {Position} failed; activation folds a longer tail.")]
    private partial void LogSnapshotFailed(Exception exception, string entityId, long position);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{EntityId}: recording {Count} apology notice(s) in the region's feed failed; retried with the next commit.")]
    private partial void LogApologyFeedFailed(Exception exception, string entityId, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Appending to the log of {EntityId} failed; deactivating to rebuild from storage.")]
    private partial void LogAppendFailed(Exception exception, string entityId);
}
