namespace Concord.Grains.Hosting;

/// <summary>How one region's silos run Concord. Validated when the silo starts.</summary>
public sealed class ConcordOptions
{
    /// <summary>This region's id, used as the origin of every event written here. Default <c>eu</c>.</summary>
    public string Region { get; set; } = "eu";

    /// <summary>
    /// Every region of the deployment, in any order; home regions are computed over this list, so every
    /// region must be given the same list. Default: empty, meaning only <see cref="Region"/>.
    /// </summary>
    public List<string> Regions { get; set; } = [];

    /// <summary>Write an account snapshot after this many new events. Default 1000.</summary>
    public int SnapshotInterval { get; set; } = 1000;

    /// <summary>The most events one group commit appends to a log at once. Default 256.</summary>
    public int MaxGroupCommitEvents { get; set; } = 256;

    /// <summary>
    /// After writes, an entity waits this long and then makes sure its derived-state consumers caught
    /// up, repairing anything the log feed lost. Default 2 seconds.
    /// </summary>
    public TimeSpan DerivedRepairDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The most events of this region's own feed in one replication batch. Default 256.</summary>
    public int ReplicationBatchSize { get; set; } = 256;

    /// <summary>
    /// How long an outbound replicator holds new events to batch them: once woken by an append in its silo, it ships
    /// after this long, with whatever was appended meanwhile. Zero ships as soon as it is woken, and under load one
    /// batch follows the other, each carrying what arrived during the previous one's round trip. Replicators also
    /// look at their feed on their own every linger (10 ms at least). Default zero.
    /// </summary>
    public TimeSpan ReplicationLinger { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How often a replicator whose feed is drained reads the store anyway, in a region of several silos: appends in its
    /// own silo wake it without a read; this period bounds how late it sees appends made in the region's other silos.
    /// A region of one silo never needs it. Default 1 second.
    /// </summary>
    public TimeSpan IdleFeedCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often digests are compared with each peer to find and resend anything missing. Default 5 seconds.</summary>
    public TimeSpan AntiEntropyInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a replica waits to apply what a caller's session already saw of an entity before it refuses with
    /// <c>SessionNotCaughtUpException</c>. Replication has its first quarter; then the replica asks its peers for what
    /// it lacks, again each quarter. Keep it below <see cref="StrictForwardTimeout"/>, since a strict command
    /// forwarded home may wait this long there. Default 1 second.
    /// </summary>
    public TimeSpan SessionCatchUpTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Bound on one call over a link to a peer region. Default 3 seconds.</summary>
    public TimeSpan LinkCallTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Longest wait between retries on a failing link (back-off doubles from 100 ms). Default 5 seconds.</summary>
    public TimeSpan LinkMaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Bound on forwarding a strict debit to the account's home region; past it the debit fails with
    /// <c>CoordinationUnavailableException</c>. Default 2 seconds.
    /// </summary>
    public TimeSpan StrictForwardTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether a strict command that this region's escrow share covers is decided here (the default). When false,
    /// every strict command is decided at home, still within the home's own share, and a short home asks its peers
    /// for theirs: the strict mode as it was before escrow, kept for comparison (the bench's strict row) and for a
    /// deployment that wants every strict decision in one place. Give every region the same value.
    /// </summary>
    public bool EscrowLocalDecisions { get; set; } = true;

    /// <summary>
    /// Escrow rebalancing: how often, at most, a replica asks its peers for more of an entity's escrow share when a
    /// strict command finds this region's share short. Default 250 ms.
    /// </summary>
    public TimeSpan EscrowAskInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Escrow rebalancing: a region asked for its share keeps what it spent itself in this window and gives the rest,
    /// so idle shares flow to the regions that spend. Default 10 seconds.
    /// </summary>
    public TimeSpan EscrowKeepWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Credentials clients must present (SDK, CLI and peer regions' links); each at least 16 characters.
    /// Default: empty, meaning the region is open to any client. Links to peers present the first one.
    /// </summary>
    public List<string> ClientCredentials { get; set; } = [];

    /// <summary>
    /// Secret shared by every region of the deployment; when set, every replication batch is authenticated
    /// with HMAC-SHA256 and replays are refused. At least 32 characters. Default: none (links unauthenticated).
    /// </summary>
    public string? ReplicationSecret { get; set; }

    /// <summary>This region's ECDSA P-256 private key (PEM) for signing checkpoints. Default: none (no checkpoints).</summary>
    public string? SigningKeyPem { get; set; }

    /// <summary>Every region's ECDSA P-256 public key (PEM), by region, to verify checkpoints. Default: empty.</summary>
    public Dictionary<string, string> RegionPublicKeysPem { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often a region signs a checkpoint of its chain heads and sends it to its peers. Default 10 seconds.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the region audits itself (a sampled audit); null turns routine audits off. Default: null.</summary>
    public TimeSpan? RoutineAuditInterval { get; set; }

    /// <summary>The fraction of entities each routine audit checks. Default 0.1.</summary>
    public double RoutineAuditSample { get; set; } = 0.1;

    /// <summary>The region where handle bindings are decided. Default: the first region by name.</summary>
    public string? HandlePrimaryRegion { get; set; }

    /// <summary>The handles' primary region in effect.</summary>
    public string HandlePrimary => HandlePrimaryRegion ?? EffectiveRegions.Order(StringComparer.Ordinal).First();

    /// <summary>
    /// Set on the first start after the region's database was restored from a backup or failed over without its last
    /// commits. The region then takes no write of its own (a retryable <c>StorageUnavailableException</c>; clients
    /// fail over) until every peer has sent back what it holds beyond the region's store, its own events included, so
    /// that its chains continue after the highest sequence any peer holds instead of reusing one. The state is durable:
    /// a silo restarted in the middle keeps recovering without the option. Default false.
    /// </summary>
    public bool RecoverFromPeers { get; set; }

    /// <summary>Allow cutting, delaying, dropping, duplicating and reordering link traffic on command. Default false.</summary>
    public bool FaultInjection { get; set; }

    /// <summary>The regions home regions are computed over.</summary>
    public IReadOnlyList<string> EffectiveRegions => Regions.Count == 0 ? [Region] : Regions;

    /// <summary>Every other region of the deployment.</summary>
    public IEnumerable<string> Peers => EffectiveRegions.Where(r => !string.Equals(r, Region, StringComparison.Ordinal));
}

/// <summary>Names of the grain storage providers Concord needs the host to configure.</summary>
public static class ConcordStorage
{
    /// <summary>Snapshots and derived-state grains.</summary>
    public const string Name = "concord";

    /// <summary>Orleans transactional state: holds of batch transfers.</summary>
    public const string Transactions = "TransactionStore";
}
