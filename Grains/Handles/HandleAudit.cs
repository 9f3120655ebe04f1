using Concord.Grains.Audit;
using Concord.Grains.Hosting;
using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Events;
using Microsoft.Extensions.Options;

namespace Concord.Grains.Handles;

/// <summary>
/// The handles' audit plug-in, I3 at the handles' primary: the binding a handle's log shows must be the one its
/// transactional ownership record holds (a handle bound to one account in the log and another in the record is two owners).
/// </summary>
internal sealed class HandleAudit(IOptions<ConcordOptions> options) : IAuditPlugin
{
    public IAuditPluginRun Start(AuditRunContext context) => new Run(options.Value, context);

    private sealed class Run(ConcordOptions options, AuditRunContext context) : IAuditPluginRun
    {
        public bool Covers(string entityId) => HandleEntities.IsHandle(entityId, out _);

        public ValueTask<IEntityAuditPass> BeginEntityAsync(string entityId, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IEntityAuditPass>(new Pass(options, context, entityId));

        public Task FinishAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class Pass(ConcordOptions options, AuditRunContext context, string entity) : IEntityAuditPass
    {
        public void Apply(LoggedEvent verified)
        {
        }

        public async Task FinishAsync(CancellationToken cancellationToken)
        {
            if (!string.Equals(options.HandlePrimary, context.Region, StringComparison.Ordinal) || !HandleEntities.IsHandle(entity, out var handle))
            {
                return;
            }

            var logged = await context.Grains.GetGrain<Interfaces.Handles.IHandleGrain>(handle).WhoisAsync(cancellationToken);
            var recorded = await context.Grains.GetGrain<IHandleOwnershipGrain>(handle).GetOwnerAsync();
            if (!string.Equals(logged.Owner, recorded, StringComparison.Ordinal))
            {
                context.Report(entity, AuditFindingKinds.InvariantViolated, null, $"I3: the log binds the handle to {logged.Owner ?? "nobody"}, the ownership record to {recorded ?? "nobody"}");
            }
        }
    }
}
