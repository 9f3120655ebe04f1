using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Concord.Grains.Ledger;

/// <summary>
/// Turns each transfer debit of one account into the credit on its destination, in the account's home region. Credits
/// are idempotent by request id at the destination, so re-driving after a crash, a lost message or a retry never
/// credits twice. Calls go source log → processor → destination, never back to the source. The account sends it only
/// the debits it commits (<see cref="ITransferProcessorGrain.DebitsAppendedAsync"/>), with the range they cover, so
/// deposits and the other regions' events never reach it. The cursor is persisted lazily: every
/// <see cref="ConcordOptions.SnapshotInterval"/> positions and when the grain deactivates; after a crash the processor
/// re-drives from the last saved position.
/// </summary>
internal sealed partial class TransferProcessorGrain : Grain, ITransferProcessorGrain
{
    private readonly IPersistentState<ProcessorCursor> _cursor;
    private readonly IEventLogStore _store;
    private readonly string _region;
    private readonly IReadOnlyList<string> _regions;
    private bool? _drivesCredits;
    private readonly int _saveInterval;
    private readonly ILogger<TransferProcessorGrain> _logger;
    private LogFollower _follower = null!;

    public TransferProcessorGrain(
        [PersistentState("transfer-processor", ConcordStorage.Name)] IPersistentState<ProcessorCursor> cursor,
        IEventLogStore store,
        IOptions<ConcordOptions> options,
        Derived.DerivedPositions positions,
        ILogger<TransferProcessorGrain> logger)
    {
        _positions = positions;
        _cursor = cursor;
        _store = store;
        _region = options.Value.Region;
        _regions = options.Value.EffectiveRegions;
        _saveInterval = options.Value.SnapshotInterval;
        _logger = logger;
    }

    /// <summary>This consumer's name in <see cref="Derived.DerivedPositions"/>.</summary>
    public const string ConsumerName = "transfer-processor";

    private readonly Derived.DerivedPositions _positions;

    private string Account => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _follower = new LogFollower(_store, Account) { Position = _cursor.State.Position };
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _positions.Forget(ConsumerName, Account);
        // Best effort: what is not saved is re-driven after reactivation, and credits are idempotent.
        if (reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
        {
            try
            {
                await SaveCursorAsync(force: true);
            }
            catch (Exception ex)
            {
                LogCursorSaveFailed(ex, Account, _follower.Position);
            }
        }
    }

    public async Task<long> CatchUpAsync(long throughPosition, CancellationToken cancellationToken = default)
    {
        try
        {
            await _follower.CatchUpAsync(throughPosition, ProcessAsync, cancellationToken);
        }
        finally
        {
            await SaveCursorAsync(force: false);
        }

        _positions.Reached(ConsumerName, Account, _follower.Position);
        return _follower.Position;
    }

    public async Task DebitsAppendedAsync(TransferDebits appended)
    {
        try
        {
            await _follower.ApplySelectedAsync(appended.After, appended.Through, appended.Debits, ProcessAsync, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The source account re-drives through CatchUpAsync until the processor has caught up.
            LogCreditFailed(ex, Account, _follower.Position + 1);
        }
        finally
        {
            await SaveCursorAsync(force: false);
        }

        // What failed above is not reached: the account's repair pass calls this processor for it.
        _positions.Reached(ConsumerName, Account, _follower.Position);
    }

    private async Task ProcessAsync(LoggedEvent logged)
    {
        // Only the source account's home region drives credits, whichever region appended the debit, so a credit's
        // request id is only ever appended by one region and never loses a race: a debit decided twice (a client that
        // retried in another region) would otherwise be credited by both regions, and the losing credit's escrow share,
        // already spendable where it was appended, would vanish when the winner arrived. Other regions receive the
        // credit by replication; the simulator found the race (docs/reliability.md).
        _drivesCredits ??= string.Equals(AccountType.Instance.HomeRegionOf(Account, _regions), _region, StringComparison.Ordinal);
        if (_drivesCredits == true && OutgoingTransfer.Of(logged.Event.Payload) is { } leg)
        {
            var credit = new TransferCredit(logged.Event.Id, logged.Event.RequestId, leg.Amount);
            await GrainFactory.GetGrain<ITransferCreditSink>(leg.To).CreditAsync(credit);
        }
    }

    private async Task SaveCursorAsync(bool force)
    {
        var unsaved = _follower.Position - _cursor.State.Position;
        if (unsaved > 0 && (force || unsaved >= _saveInterval))
        {
            _cursor.State.Position = _follower.Position;
            await _cursor.WriteStateAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saving the transfer cursor of {Account} at position {Position} failed; a later activation re-drives from the last saved one.")]
    private partial void LogCursorSaveFailed(Exception exception, string account, long position);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Crediting the transfer at position {Position} of {Account} failed; it will be retried.")]
    private partial void LogCreditFailed(Exception exception, string account, long position);
}
