using Microsoft.Extensions.Logging;

namespace Concord.Simulation;

/// <summary>The core's own log lines, written into the run's trace under the region's name (deterministic: no timestamps of their own).</summary>
internal sealed class TraceLogger(Simulation sim, string region) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            sim.Trace($"{region} {logLevel.ToString().ToLowerInvariant()}: {formatter(state, exception)}{(exception is null ? string.Empty : $" ({exception.GetType().Name}: {exception.Message})")}");
        }
    }
}
