using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Errors;
using Orleans.Concurrency;

namespace Concord.Grains.Audit;

/// <summary>
/// Runs audits one at a time and keeps the latest report. Reentrant only so that progress can be read while
/// an audit runs; a second audit is refused until the first ends.
/// </summary>
[Reentrant]
internal sealed class AuditorGrain(RegionAuditor auditor) : Grain, IAuditorGrain
{
    private AuditReport? _latest;
    private AuditProgress _progress = new(false, 0, 0, 0);

    public async Task<AuditReport> RunAsync(AuditRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.SampleFraction is <= 0 or > 1 || double.IsNaN(request.SampleFraction))
        {
            throw new InvalidRequestException("sample", $"A sample is a fraction in (0, 1], not {request.SampleFraction}.");
        }

        if (_progress.Running)
        {
            throw new InvalidRequestException("audit", "An audit of this region is already running; wait for it to end.");
        }

        _progress = new AuditProgress(true, 0, 0, 0);
        try
        {
            _latest = await auditor.RunAsync(request, new Progress(p => _progress = p), cancellationToken);
            return _latest;
        }
        finally
        {
            _progress = _progress with { Running = false };
        }
    }

    public Task<AuditProgress> GetProgressAsync(CancellationToken cancellationToken = default) => Task.FromResult(_progress);

    public Task<AuditReport?> GetLatestAsync(CancellationToken cancellationToken = default) => Task.FromResult(_latest);

    // Synchronous, unlike System.Progress, which would post to a thread-pool context outside the grain.
    private sealed class Progress(Action<AuditProgress> report) : IProgress<AuditProgress>
    {
        public void Report(AuditProgress value) => report(value);
    }
}
