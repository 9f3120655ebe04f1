using System.Collections.Concurrent;
using System.Net;
using Concord.Client.Sdk;
using Concord.Grains.Interfaces.Errors;
using Concord.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Concord.Tests.Sdk;

/// <summary>The SDK logs through the application's logger factory, its own lines and the Orleans client's alike.</summary>
public sealed class ConcordClientLoggingTests
{
    [Fact]
    public async Task A_failover_is_logged_through_the_applications_logger()
    {
        // Two regions whose gateways nobody listens on: the call fails over from eu to us, then gives up.
        var ports = FreePorts.Take(2);
        var captured = new CapturingLoggerProvider();
        await using var services = new ServiceCollection()
            .AddLogging(logging => logging.AddProvider(captured).SetMinimumLevel(LogLevel.Debug))
            .AddConcordClient(options =>
            {
                options.Region = "eu";
                options.Gateways = [new IPEndPoint(IPAddress.Loopback, ports[0])];
                options.FailoverRegions = ["us"];
                options.FailoverGateways["us"] = [new IPEndPoint(IPAddress.Loopback, ports[1])];
                options.ConnectTimeout = TimeSpan.FromSeconds(1);
            })
            .BuildServiceProvider();
        var client = services.GetRequiredService<IConcordClient>();
        Assert.Same(services.GetRequiredService<ConcordClient>(), client);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<RegionUnavailableException>(() => client.GetBalanceAsync("alice", deadline.Token));

        Assert.Equal("us", error.Region);
        var failover = Assert.Single(captured.Lines, l => l.Category == typeof(ConcordClient).FullName && l.Level == LogLevel.Warning);
        Assert.StartsWith("Region eu cannot be reached (", failover.Message);
        Assert.EndsWith("); failing over to us.", failover.Message);

        // The Orleans client inside the SDK logs into the same factory.
        Assert.Contains(captured.Lines, l => l.Category.StartsWith("Orleans.", StringComparison.Ordinal));
    }

    private sealed record Line(string Category, LogLevel Level, string Message);

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<Line> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<Line> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(new Line(category, logLevel, formatter(state, exception)));
        }
    }
}
