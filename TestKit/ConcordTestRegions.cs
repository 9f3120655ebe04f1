using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Replication;
using Concord.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Concord.TestKit;

/// <summary>
/// Several Concord regions in this process, each its own Orleans test cluster with in-memory storage, linked
/// through Concord's real links and their fault injection. Start them with your entity types, reach each
/// region's grains, cut and heal links, wait for convergence and fail on audit findings. Independent of any test
/// framework: every wait has a deadline and throws <see cref="TimeoutException"/> naming what it waited for.
/// </summary>
public sealed class ConcordTestRegions : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, InProcessTestCluster> _clusters = new(StringComparer.Ordinal);
    private readonly ConcordTestRegionsOptions _options;
    private readonly string[] _names;
    private readonly Dictionary<string, string> _signingKeys;

    private ConcordTestRegions(ConcordTestRegionsOptions options)
    {
        options.Validate();
        _options = options;
        _names = [.. options.Regions];
        _signingKeys = options.SignCheckpoints
            ? _names.ToDictionary(r => r, _ => ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem(), StringComparer.Ordinal)
            : new(StringComparer.Ordinal);
    }

    /// <summary>The regions' names, as configured.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Each region's checkpoint signing key (PKCS#8 PEM), for tests that play a dishonest region; empty when checkpoints are not signed.</summary>
    public IReadOnlyDictionary<string, string> SigningKeys => _signingKeys;

    /// <summary>Creates the regions without starting any; start each with <see cref="StartRegionAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names every problem.</exception>
    public static ConcordTestRegions Create(ConcordTestRegionsOptions? options = null) => new(options ?? new ConcordTestRegionsOptions());

    /// <summary>Creates the regions and starts all of them at once.</summary>
    public static async Task<ConcordTestRegions> StartAsync(ConcordTestRegionsOptions? options = null, CancellationToken cancellationToken = default)
    {
        var regions = Create(options);
        try
        {
            await Task.WhenAll(regions.Names.Select(r => regions.StartRegionAsync(r, cancellationToken: cancellationToken)));
            return regions;
        }
        catch
        {
            await regions.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts one region; <paramref name="configure"/> adds to its silo after <see cref="ConcordTestRegionsOptions.ConfigureSilo"/>
    /// (a region may host a different set of entity types than its peers). A region stopped before starts empty.
    /// </summary>
    public async Task StartRegionAsync(string region, Action<ISiloBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        RequireKnown(region);
        if (_clusters.ContainsKey(region))
        {
            throw new InvalidOperationException($"Region '{region}' is already running.");
        }

        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ClusterId = RegionClusters.ClusterIdOf(region);
        builder.Options.ServiceId = _options.ServiceId;
        builder.ConfigureSilo((_, silo) =>
        {
            if (_options.InMemoryStorage)
            {
                silo.AddMemoryGrainStorage(ConcordStorage.Name);
                silo.AddMemoryGrainStorage(ConcordStorage.Transactions);
                silo.UseInMemoryReminderService();
            }

            silo.Services.AddSingleton<IRegionLinkFactory>(new RunningRegionLinks(_clusters));
            silo.AddConcord(options => Configure(region, options));
            _options.ConfigureSilo?.Invoke(region, silo);
            configure?.Invoke(silo);
        });

        // A test's trace continues into the region it calls, as an application's does through the SDK.
        builder.ConfigureClient(client => client.AddActivityPropagation());
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _clusters[region] = cluster;
    }

    /// <summary>Stops one region and drops everything it held in memory; its peers find it unreachable.</summary>
    public async Task StopRegionAsync(string region)
    {
        if (_clusters.TryRemove(region, out var cluster))
        {
            await cluster.StopAllSilosAsync().ConfigureAwait(false);
            await cluster.DisposeAsync().ConfigureAwait(false);
        }
    }

    public bool IsRunning(string region) => _clusters.ContainsKey(region);

    /// <summary>The Orleans test cluster of a running region (to deactivate a grain, say).</summary>
    public InProcessTestCluster Cluster(string region) =>
        _clusters.TryGetValue(region, out var cluster) ? cluster : throw new InvalidOperationException($"Region '{region}' is not running.");

    /// <summary>A client's grain factory in <paramref name="region"/>.</summary>
    public IGrainFactory Grains(string region) => Cluster(region).Client;

    /// <summary>A service of the region's silo.</summary>
    public T Service<T>(string region)
        where T : notnull => Cluster(region).GetSiloServiceProvider().GetRequiredService<T>();

    /// <summary>The region's event log store.</summary>
    public IEventLogStore Store(string region) => Service<IEventLogStore>(region);

    /// <summary>The region's outbound link faults: what it does to calls towards each peer.</summary>
    public LinkFaults Faults(string region) => Service<LinkFaults>(region);

    /// <summary>Applies <paramref name="fault"/> to calls from <paramref name="from"/> to <paramref name="to"/> only.</summary>
    public void SetFault(string from, string to, LinkFault fault)
    {
        RequireKnown(to);
        Faults(from).Set(to, fault);
    }

    /// <summary>Cuts the link between two regions, both ways.</summary>
    public void Cut(string a, string b)
    {
        SetFault(a, b, new LinkFault(Cut: true));
        SetFault(b, a, new LinkFault(Cut: true));
    }

    /// <summary>Cuts every link between <paramref name="region"/> and the other running regions, both ways.</summary>
    public void Isolate(string region)
    {
        foreach (var other in _clusters.Keys.Where(r => r != region))
        {
            Cut(region, other);
        }
    }

    /// <summary>Cuts every link: each region is on its own.</summary>
    public void IsolateAll()
    {
        foreach (var region in _clusters.Keys)
        {
            foreach (var other in _names.Where(n => n != region))
            {
                Faults(region).Set(other, new LinkFault(Cut: true));
            }
        }
    }

    /// <summary>Clears every fault of every running region.</summary>
    public void HealAll()
    {
        foreach (var region in _clusters.Keys)
        {
            Faults(region).Clear();
        }
    }

    /// <summary>Waits until every running region holds the same events of every entity (equal digests).</summary>
    public Task WaitForConvergenceAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitUntilAsync(
            async () =>
            {
                var digests = await Task.WhenAll(_clusters.Keys.Select(r => Store(r).GetDigestAsync(cancellationToken).AsTask())).ConfigureAwait(false);
                return digests.All(d => d.Root == digests[0].Root);
            },
            "every running region holds the same events (equal digests)",
            timeout ?? _options.WaitTimeout,
            cancellationToken);

    /// <summary>Runs a full audit in <paramref name="region"/>.</summary>
    public Task<AuditReport> AuditAsync(string region, CancellationToken cancellationToken = default) =>
        Grains(region).GetGrain<IAuditorGrain>(0).RunAsync(new AuditRequest(), cancellationToken);

    /// <summary>
    /// Runs a full audit in every running region and throws <see cref="AuditFailedException"/> listing every finding
    /// that <paramref name="expected"/> does not explain (faults the test injected on purpose).
    /// </summary>
    public async Task AssertCleanAuditAsync(Func<AuditFinding, bool>? expected = null, CancellationToken cancellationToken = default)
    {
        var reports = await Task.WhenAll(_clusters.Keys.Order(StringComparer.Ordinal).Select(r => AuditAsync(r, cancellationToken))).ConfigureAwait(false);
        var findings = reports.SelectMany(r => r.Findings).Where(f => expected is null || !expected(f)).ToList();
        if (findings.Count > 0)
        {
            throw new AuditFailedException(findings);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> naming <paramref name="description"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string description, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Still not true after {timeout.TotalSeconds:0.#} s: {description}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_clusters.Keys.ToList().Select(StopRegionAsync)).ConfigureAwait(false);
    }

    /// <summary>The kit's defaults: replication, repair and checkpoints on short intervals, so that tests converge in well under a second.</summary>
    private void Configure(string region, ConcordOptions options)
    {
        options.Region = region;
        options.Regions = [.. _names];
        options.FaultInjection = true;
        options.ReplicationSecret = _options.ReplicationSecret;
        if (_options.SignCheckpoints)
        {
            options.SigningKeyPem = _signingKeys[region];
            options.RegionPublicKeysPem = _signingKeys.ToDictionary(k => k.Key, k => PublicKeyOf(k.Value));
            options.CheckpointInterval = TimeSpan.FromMilliseconds(300);
        }

        options.AntiEntropyInterval = TimeSpan.FromMilliseconds(300);
        options.DerivedRepairDelay = TimeSpan.FromMilliseconds(200);
        options.LinkCallTimeout = TimeSpan.FromSeconds(2);
        options.LinkMaxBackoff = TimeSpan.FromMilliseconds(300);
        options.StrictForwardTimeout = TimeSpan.FromSeconds(2);
        _options.ConfigureConcord?.Invoke(region, options);
    }

    /// <summary>The public key (SPKI PEM) of a PKCS#8 PEM private key.</summary>
    public static string PublicKeyOf(string privateKeyPem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(privateKeyPem);
        return key.ExportSubjectPublicKeyInfoPem();
    }

    private void RequireKnown(string region)
    {
        if (!_names.Contains(region, StringComparer.Ordinal))
        {
            throw new ArgumentException($"'{region}' is not one of the regions [{string.Join(", ", _names)}].", nameof(region));
        }
    }

    /// <summary>Links to peers through their test cluster's client; a region not running is simply unreachable.</summary>
    private sealed class RunningRegionLinks(ConcurrentDictionary<string, InProcessTestCluster> clusters) : IRegionLinkFactory
    {
        public IRegionLink Create(string peer) => new ClusterClientRegionLink(peer, _ =>
            clusters.TryGetValue(peer, out var cluster)
                ? Task.FromResult(cluster.Client)
                : throw new RegionLinkUnavailableException(peer, "not running"));
    }
}
