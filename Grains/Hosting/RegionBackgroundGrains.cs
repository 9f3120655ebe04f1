using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Replication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Concord.Grains.Hosting;

/// <summary>
/// Keeps the region's background grains running: one replicator per peer, the checkpoint signer and the routine
/// auditor. They are activated when the silo becomes active and poked again every few seconds from every silo, so
/// when the silo hosting one dies, the next poke reactivates it on a survivor (state comes back from storage).
/// </summary>
internal sealed partial class RegionBackgroundGrains(IServiceProvider services, ILogger<RegionBackgroundGrains> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>How often every silo makes sure the background grains are active.</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(3);

    private readonly CancellationTokenSource _stopping = new();
    private bool _recoveryBegun;
    private Task _keepAlive = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RegionBackgroundGrains), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        // The first activation is awaited, so a silo is ready only with its background grains running.
        await EnsureActiveAsync(cancellationToken);
        _keepAlive = Task.Run(KeepAliveAsync, CancellationToken.None);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _keepAlive.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task KeepAliveAsync()
    {
        using var timer = new PeriodicTimer(KeepAliveInterval);
        while (await timer.WaitForNextTickAsync(_stopping.Token).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default))
        {
            try
            {
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                bound.CancelAfter(KeepAliveInterval * 3);
                await EnsureActiveAsync(bound.Token);
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                LogKeepAliveFailed(ex);
            }
        }
    }

    private async Task EnsureActiveAsync(CancellationToken cancellationToken)
    {
        var concord = services.GetRequiredService<IOptions<ConcordOptions>>().Value;

        // Checkpoints verified by another silo of the region (or by this one before a restart) gate relays here too.
        await services.GetRequiredService<CheckpointBook>().RefreshAsync(includeEvidence: false, cancellationToken);

        // The silo's own calls count as a client's: they present a credential (SiloCallCredential).
        if (services.GetRequiredService<SiloCallCredential>().Presented is { } secret)
        {
            RequestContext.Set(Interfaces.Events.ClientCredentials.RequestContextKey, secret);
        }

        var grains = services.GetRequiredService<IGrainFactory>();
        await FollowRecoveryAsync(concord, grains.GetGrain<Recovery.IRegionRecoveryGrain>(0), cancellationToken);
        if (concord.RoutineAuditInterval is not null)
        {
            await grains.GetGrain<IAuditorGrain>(0).StartAsync(cancellationToken);
        }

        if (services.GetService<IRegionLinkFactory>() is null)
        {
            return;
        }

        // Replicators connect lazily, so a peer that is down never delays this.
        foreach (var peer in concord.Peers)
        {
            await grains.GetGrain<IOutboundReplicatorGrain>(peer).StartAsync(cancellationToken);
        }

        if (concord.SigningKeyPem is not null)
        {
            await grains.GetGrain<ICheckpointGrain>(0).StartAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Begins the region's recovery when this silo was started to (once), and keeps this silo's write gate as the
    /// region's recovery state says: another silo may have begun it, or it may have ended while a broadcast missed us.
    /// </summary>
    private async Task FollowRecoveryAsync(ConcordOptions concord, Recovery.IRegionRecoveryGrain recovery, CancellationToken cancellationToken)
    {
        if (concord.RecoverFromPeers && !_recoveryBegun)
        {
            await recovery.BeginAsync(cancellationToken);
            _recoveryBegun = true;
        }

        var gate = services.GetRequiredService<Recovery.RegionWriteGate>();
        if ((await recovery.GetStatusAsync(cancellationToken)).Recovering)
        {
            gate.Shut();
        }
        else
        {
            gate.Open();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not make sure the region's background grains are active; retrying.")]
    private partial void LogKeepAliveFailed(Exception exception);
}
