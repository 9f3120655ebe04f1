using System.Runtime.InteropServices;
using Concord.Silo.Hosting;
using Microsoft.Extensions.Logging;

RegionHostOptions options;
bool verbose;
try
{
    (options, verbose) = SiloCommandLine.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine(SiloCommandLine.Usage);
    return 2;
}

using var shutdown = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    shutdown.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    shutdown.Cancel();
});

var host = RegionHost.Create(options, verbose ? LogLevel.Information : LogLevel.Warning);
try
{
    await host.StartAsync(shutdown.Token);
}
catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
{
    host.Dispose();
    return 0;
}
catch (Exception ex)
{
    Console.Error.WriteLine($"error: region {options.Region} failed to start: {ex.GetBaseException().Message}");
    host.Dispose();
    return 1;
}

// The local default runs in memory with no client authentication: say so where people look first.
Console.WriteLine($"region {options.Region} ready: gateway 127.0.0.1:{options.GatewayPort} (storage {options.Storage}, open to any client)");

try
{
    await Task.Delay(Timeout.Infinite, shutdown.Token);
}
catch (OperationCanceledException)
{
}

Console.WriteLine($"region {options.Region} stopping");
using (var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
{
    await host.StopAsync(stopTimeout.Token);
}

host.Dispose();
Console.WriteLine($"region {options.Region} stopped");
return 0;
