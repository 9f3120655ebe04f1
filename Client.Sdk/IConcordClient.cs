using System.Collections.Immutable;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Derived;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Interfaces.Handles;
using Concord.Grains.Interfaces.Ledger;
using Concord.Grains.Interfaces.Replication;

namespace Concord.Client.Sdk;

/// <summary>
/// A client of Concord: typed, cancellable operations against one region, with retries and failover. Write methods take
/// an optional request id and make one up when none is given; every retry and failover carries the same id, so a
/// write takes effect once. Errors are the typed exceptions of <c>Concord.Grains.Interfaces.Errors</c>. Register it
/// with <c>services.AddConcordClient(...)</c>; see <c>docs/sdk.md</c>.
/// </summary>
public interface IConcordClient : IAsyncDisposable
{
    /// <summary>The preferred region.</summary>
    string Region { get; }

    /// <summary>The region requests go to now; it changes when the client fails over.</summary>
    string CurrentRegion { get; }

    /// <summary>
    /// The session so far, as a string (<c>s1;SERVICE;ENTITY=origin:seq,...</c>): give it to another client as
    /// <see cref="ConcordClientOptions.SessionToken"/> and that client sees everything this one wrote and read.
    /// </summary>
    string SessionToken { get; }

    /// <summary>Connects to the first reachable region, in order; <see cref="Grains.Interfaces.Errors.RegionUnavailableException"/> when none answers.</summary>
    Task ConnectAsync(CancellationToken cancellationToken = default);

    Task<WriteReceipt> DepositAsync(string account, decimal amount, string? requestId = null, CancellationToken cancellationToken = default);

    Task<WriteReceipt> TransferAsync(string from, string to, decimal amount, ConsistencyMode mode = ConsistencyMode.Optimistic, string? requestId = null, CancellationToken cancellationToken = default);

    Task<WriteReceipt> PayoutAsync(string account, decimal amount, string? requestId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Places a two-phase hold of <paramref name="amount"/> on <paramref name="account"/> for <paramref name="to"/>, expiring
    /// after <paramref name="expiresIn"/>: strict, within the deciding region's escrow share. <paramref name="holdId"/> (a
    /// request id; one is made up when null) names it for <see cref="CaptureAsync"/> and <see cref="VoidAsync"/>.
    /// </summary>
    Task<WriteReceipt> HoldAsync(string account, string to, decimal amount, TimeSpan expiresIn, string? holdId = null, CancellationToken cancellationToken = default);

    /// <summary>Posts <paramref name="amount"/> (null: all) of an open hold to its payee, once; decided by the region that placed it.</summary>
    Task<WriteReceipt> CaptureAsync(string account, string holdId, decimal? amount = null, string? requestId = null, CancellationToken cancellationToken = default);

    /// <summary>Releases an open hold whole, once; decided by the region that placed it.</summary>
    Task<WriteReceipt> VoidAsync(string account, string holdId, string? requestId = null, CancellationToken cancellationToken = default);

    /// <summary>Debits every leg or none, atomically at the sources' home region (all sources must share one home).</summary>
    Task<BatchReceipt> BatchTransferAsync(IReadOnlyList<TransferLeg> legs, string? requestId = null, CancellationToken cancellationToken = default);

    /// <summary>Binds a handle to an account (strict by default: decided at the handles' primary region).</summary>
    Task<HandleReceipt> ClaimHandleAsync(string handle, string account, ConsistencyMode mode = ConsistencyMode.Strict, string? requestId = null, CancellationToken cancellationToken = default);

    /// <summary>Frees a handle from <paramref name="account"/> (strict); a handle another account holds throws <c>HandleTakenException</c>, with nothing changed.</summary>
    Task<HandleReceipt> ReleaseHandleAsync(string handle, string account, string? requestId = null, CancellationToken cancellationToken = default);

    /// <summary>Moves the binding of <paramref name="oldHandle"/> to <paramref name="newHandle"/> atomically.</summary>
    Task<HandleReceipt> RenameHandleAsync(string oldHandle, string newHandle, string? requestId = null, CancellationToken cancellationToken = default);

    /// <summary>Who holds a handle, as the region in use knows it.</summary>
    Task<HandleView> WhoisAsync(string handle, CancellationToken cancellationToken = default);

    Task<BalanceView> GetBalanceAsync(string account, CancellationToken cancellationToken = default);

    Task<Statement> GetStatementAsync(string account, long fromPosition = 1, int maxCount = 100, CancellationToken cancellationToken = default);

    /// <summary>The derived summary of an account (may lag the account by a stream delivery).</summary>
    Task<AccountSummary> GetSummaryAsync(string account, CancellationToken cancellationToken = default);

    Task<RegionTotals> GetRegionTotalsAsync(CancellationToken cancellationToken = default);

    Task<ImmutableArray<ApologyNotice>> GetApologiesAsync(string? account = null, int maxCount = 100, CancellationToken cancellationToken = default);

    /// <summary>Audits the region in use: chains, replicas, snapshots, views and invariants (see docs/audit.md).</summary>
    Task<AuditReport> AuditAsync(double sampleFraction = 1.0, int seed = 0, CancellationToken cancellationToken = default);

    /// <summary>Progress of the audit running in the region in use.</summary>
    Task<AuditProgress> GetAuditProgressAsync(CancellationToken cancellationToken = default);

    /// <summary>Status of the region in use: its peers, link states, replication lag and digest.</summary>
    Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>A page of any entity's log in the region in use (an account, <c>handle/NAME</c>, or <c>type/key</c> of a registered type).</summary>
    Task<EntityLogPage> ReadLogAsync(string entityId, long fromPosition = 1, int maxCount = 100, CancellationToken cancellationToken = default);

    /// <summary>Sets the faults on the in-use region's link to <paramref name="peer"/>; refused unless the region runs with fault injection.</summary>
    Task SetLinkFaultAsync(string peer, LinkFault fault, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls one of your own entities (its grain interface, keyed by the entity's key) with the client's credential,
    /// retries and failover. Build the command, with its request id, outside <paramref name="call"/>, so that every
    /// attempt carries the same one.
    /// </summary>
    Task<TResult> CallAsync<TGrain, TResult>(string key, Func<TGrain, CancellationToken, Task<TResult>> call, CancellationToken cancellationToken = default)
        where TGrain : IGrainWithStringKey;
}
