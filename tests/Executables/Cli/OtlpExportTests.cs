using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Concord.Client.Sdk;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Cli;

/// <summary>
/// <c>--otlp-endpoint</c> against a collector of our own (an HTTP listener taking OTLP/HTTP posts): a silo process
/// sends a deposit's spans to <c>/v1/traces</c> and the Concord meter to <c>/v1/metrics</c>.
/// </summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task A_silo_started_with_an_otlp_endpoint_exports_its_traces_and_metrics_there()
    {
        var ports = FreePorts.Take(3);
        var received = new ConcurrentQueue<(string Path, byte[] Body)>();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{ports[2]}/");
        collector.Start();
        using var stop = new CancellationTokenSource();
        var collecting = CollectAsync(collector, received, stop.Token);

        await using (var silo = SiloProcess.Start("eu", [
            "--region", "eu", "--gateway-port", ports[0].ToString(), "--silo-port", ports[1].ToString(),
            "--otlp-endpoint", $"http://127.0.0.1:{ports[2]}", "--otlp-protocol", "http/protobuf"]))
        {
            var ready = await silo.WaitForLineAsync(l => l.StartsWith("region eu ready:", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
            Assert.Contains($"traces and metrics to http://127.0.0.1:{ports[2]}/ (http/protobuf)", ready);
            await using (var client = new ConcordClient(new() { Gateways = [new(IPAddress.Loopback, ports[0])], ConnectTimeout = TimeSpan.FromSeconds(30) }))
            {
                await client.DepositAsync("otlp-account", 1m, "otlp-1");
            }

            // Spans leave in batches every few seconds, metrics every ten: both within the deadline.
            await Eventually.HoldsAsync(
                () => Task.FromResult(Holds(received, "/v1/traces", "concord.command", "otlp-account") && Holds(received, "/v1/metrics", "concord.events.appended")),
                "the collector to receive the deposit's command span and the Concord meter",
                TimeSpan.FromSeconds(60));
        }

        stop.Cancel();
        collector.Stop();
        await collecting;
    }

    /// <summary>Whether a post to <paramref name="path"/> carried every one of <paramref name="texts"/> (protobuf keeps strings as UTF-8).</summary>
    private static bool Holds(IEnumerable<(string Path, byte[] Body)> received, string path, params string[] texts) =>
        received.Any(r => r.Path == path && texts.All(t => r.Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(t)) >= 0));

    private static async Task CollectAsync(HttpListener collector, ConcurrentQueue<(string Path, byte[] Body)> received, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await collector.GetContextAsync().WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body, cancellationToken);
            received.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }
}
