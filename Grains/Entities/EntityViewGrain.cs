using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Events;
using Concord.Grains.Storage;
using Concord.Grains.Streaming;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.BroadcastChannel;

namespace Concord.Grains.Entities;

/// <summary>
/// The base of a view grain: one entity's view in this region, keyed by the entity id. Mark the derived class
/// <see cref="EntityViewOfAttribute"/> and register it with <c>AddEntityView</c>; read <see cref="View"/>. The view
/// is fed by the region's broadcast channel as a fast path, pulls any gap from the log, and folds again from the log when a winning
/// event of a retried request arrives after its loser. It is kept in memory and rebuilt from the log on activation.
/// </summary>
public abstract partial class EntityViewGrain<TView> : Grain, IEntityViewGrain, IOnBroadcastChannelSubscribed
    where TView : class
{
    private EntityViewRuntime<TView> _runtime = null!;
    private IEventLogStore _store = null!;
    private ILogger _logger = null!;
    private EntityFold<TView> _fold = null!;
    private PayloadTypes _payloads = null!;

    /// <summary>The view folded from the events this region holds, up to <see cref="Position"/>.</summary>
    protected TView View => _fold.State;

    /// <summary>The log position the view has folded.</summary>
    protected long Position => _fold.Position;

    /// <summary>The entity's id, <c>type/key</c> (the grain's key).</summary>
    protected string EntityId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var registry = ServiceProvider.GetRequiredService<EntityTypeRegistry>();
        _runtime = registry.ViewOfGrainClass(GetType()) as EntityViewRuntime<TView>
            ?? throw new Interfaces.Errors.ConcordConfigurationException($"{GetType().Name} is not a registered view grain: call siloBuilder.AddEntityView<{GetType().Name}, {typeof(TView).Name}>(...).");
        if (!registry.TryResolve(EntityId, out var type, out _) || type.Name != _runtime.View.EntityType)
        {
            throw new InvalidRequestException("entityId", $"'{EntityId}' is not an entity of type '{_runtime.View.EntityType}'.");
        }

        _payloads = type.Payloads;
        _store = ServiceProvider.GetRequiredService<IEventLogStore>();
        _logger = ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(GetType());
        await RebuildAsync(cancellationToken);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_runtime is not null)
        {
            ServiceProvider.GetRequiredService<Derived.DerivedPositions>().Forget(_runtime.View.Name, EntityId);
        }

        return Task.CompletedTask;
    }

    public Task OnSubscribed(IBroadcastChannelSubscription subscription) => subscription.Attach<LogAppended>(OnLogAppendedAsync);

    public async Task<long> CatchUpAsync(long throughPosition, CancellationToken cancellationToken = default)
    {
        await FoldAsync((follower, apply) => follower.CatchUpAsync(throughPosition, apply, cancellationToken), cancellationToken);
        return _fold.Position;
    }

    public async Task<long> RebuildAsync(CancellationToken cancellationToken = default)
    {
        _fold = EntityFold<TView>.Of(_runtime.View, _payloads, EntityId, await LogFollower.ReadAllAsync(_store, EntityId, cancellationToken));
        return _fold.Position;
    }

    public Task<EntityAuditState> GetAuditStateAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new EntityAuditState(_fold.Position, PayloadTypes.CanonicalOf(_fold.State)));

    private async Task OnLogAppendedAsync(LogAppended message)
    {
        try
        {
            await FoldAsync((follower, apply) => follower.ApplyAsync(message.Events, apply, CancellationToken.None), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The entity's repair pass calls CatchUpAsync later; nothing is lost by giving up here.
            LogDeliveryFailed(ex, EntityId, _fold.Position);
        }
    }

    /// <summary>
    /// Folds what the log follower hands over (each position once, in order, gaps pulled from the log), and folds
    /// the whole log again when a winning event of a retried request arrived after its loser.
    /// </summary>
    private async Task FoldAsync(Func<LogFollower, Func<LoggedEvent, Task>, Task> follow, CancellationToken cancellationToken)
    {
        var superseded = false;
        var traces = ServiceProvider.GetRequiredService<Diagnostics.EventTraces>();
        var region = ServiceProvider.GetRequiredService<IOptions<Hosting.ConcordOptions>>().Value.Region;
        await follow(new LogFollower(_store, EntityId) { Position = _fold.Position }, logged =>
        {
            using var traced = Diagnostics.ViewSpans.Start(traces, region, _runtime.View.Name, logged.Event);
            superseded |= !_fold.Apply(logged);
            return Task.CompletedTask;
        });
        if (superseded)
        {
            await RebuildAsync(cancellationToken);
        }

        ServiceProvider.GetRequiredService<Derived.DerivedPositions>().Reached(_runtime.View.Name, EntityId, _fold.Position);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "View of {EntityId}: a stream delivery failed at position {Position}; the entity's repair pass catches it up.")]
    private partial void LogDeliveryFailed(Exception exception, string entityId, long position);
}
