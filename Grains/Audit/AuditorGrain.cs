using Concord.Grains.Interfaces.Audit;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Diagnostics;
using Concord.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Concord.Grains.Audit;

/// <summary>
/// Runs audits one at a time (on demand and, when configured, on a timer) and keeps the latest report.
/// Reentrant only so that progress can be read while an audit runs.
/// </summary>
[Reentrant]
internal sealed partial class AuditorGrain(RegionAuditor auditor, ConcordMetrics metrics, IOptions<ConcordOptions> options, ILogger<AuditorGrain> logger) : Grain, IAuditorGrain
{
    private readonly ILogger<AuditorGrain> _logger = logger;
    private AuditReport? _latest;
    private AuditProgress _progress = new(false, 0, 0, 0);
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (options.Value.RoutineAuditInterval is { } every)
        {
            this.RegisterGrainTimer(RoutineAuditAsync, new GrainTimerCreationOptions { DueTime = every, Period = every, KeepAlive = true });
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    private async Task RoutineAuditAsync(CancellationToken cancellationToken)
    {
        if (_oneAtATime.CurrentCount == 0)
        {
            return;
        }

        try
        {
            var report = await RunAsync(new AuditRequest(options.Value.RoutineAuditSample, Environment.TickCount), cancellationToken);
            if (!report.IsClean)
            {
                LogRoutineFindings(report.Region, report.Findings.Length, string.Join("; ", report.Findings.Take(5)));
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogRoutineFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Routine audit of {Region} found {Count} problem(s), first: {Findings}")]
    private partial void LogRoutineFindings(string region, int count, string findings);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Routine audit failed; it runs again at the next interval.")]
    private partial void LogRoutineFailed(Exception exception);

    public async Task<AuditReport> RunAsync(AuditRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.SampleFraction is <= 0 or > 1 || double.IsNaN(request.SampleFraction))
        {
            throw new InvalidRequestException("sample", $"A sample is a fraction in (0, 1], not {request.SampleFraction}.");
        }

        // One audit at a time; a second request waits for the first instead of reading half-audited state.
        await _oneAtATime.WaitAsync(cancellationToken);
        _progress = new AuditProgress(true, 0, 0, 0);
        try
        {
            _latest = await auditor.RunAsync(request, new Progress(p => _progress = p), cancellationToken);
            metrics.AuditCompleted(_latest.Region, _latest.Events, _latest.Findings.Select(f => f.Kind));
            return _latest;
        }
        finally
        {
            _progress = _progress with { Running = false };
            _oneAtATime.Release();
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
