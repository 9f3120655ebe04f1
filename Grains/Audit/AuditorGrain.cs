using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Errors;

namespace Concord.Grains.Audit;

/// <summary>Runs audits one at a time and keeps the latest report.</summary>
internal sealed class AuditorGrain(RegionAuditor auditor) : Grain, IAuditorGrain
{
    private AuditReport? _latest;

    public async Task<AuditReport> RunAsync(AuditRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.SampleFraction is <= 0 or > 1 || double.IsNaN(request.SampleFraction))
        {
            throw new InvalidRequestException("sample", $"A sample is a fraction in (0, 1], not {request.SampleFraction}.");
        }

        _latest = await auditor.RunAsync(request, cancellationToken);
        return _latest;
    }

    public Task<AuditReport?> GetLatestAsync(CancellationToken cancellationToken = default) => Task.FromResult(_latest);
}
