using System.Diagnostics;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Cli;

/// <summary>The silo as people start it: a real process, its ready line, its exit codes and a clean SIGTERM.</summary>
public sealed class SiloProcessTests
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_silo_prints_a_ready_line_and_stops_cleanly_on_sigterm()
    {
        var ports = FreePorts.Take(2);
        using var silo = Start("--region", "eu", "--gateway-port", ports[0].ToString(), "--silo-port", ports[1].ToString());
        try
        {
            var ready = await ReadUntilAsync(silo, [], line => line.StartsWith("region eu ready:", StringComparison.Ordinal));

            Assert.StartsWith($"region eu ready: gateway 127.0.0.1:{ports[0]}", ready);
            Process.Start("kill", ["-TERM", silo.Id.ToString()])!.WaitForExit();
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await silo.WaitForExitAsync(exit.Token);
            Assert.Equal(0, silo.ExitCode);
            Assert.Equal("region eu stopped", (await silo.StandardOutput.ReadToEndAsync(exit.Token)).TrimEnd().Split('\n')[^1]);
        }
        finally
        {
            if (!silo.HasExited)
            {
                silo.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task The_silo_serves_the_dashboard_and_prometheus_metrics_when_asked()
    {
        var ports = FreePorts.Take(4);
        await using var silo = SiloProcess.Start("eu", [
            "--region", "eu", "--gateway-port", ports[0].ToString(), "--silo-port", ports[1].ToString(),
            "--dashboard-port", ports[2].ToString(), "--metrics-port", ports[3].ToString()]);
        var ready = await silo.WaitForLineAsync(l => l.StartsWith("region eu ready:", StringComparison.Ordinal), StartDeadline);
        Assert.Contains($"dashboard http://127.0.0.1:{ports[2]}/dashboard", ready);
        Assert.Contains($"metrics http://127.0.0.1:{ports[3]}/metrics", ready);

        await using (var client = new Concord.Client.Sdk.ConcordClient(new() { Gateways = [new(System.Net.IPAddress.Loopback, ports[0])], ConnectTimeout = TimeSpan.FromSeconds(30) }))
        {
            await client.DepositAsync("acc-metrics", 1m, "metrics-1");
        }

        // A first request to either endpoint can be slow on a loaded machine: each is retried until its deadline.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var dashboard = await PageAsync(http, $"http://127.0.0.1:{ports[2]}/dashboard/", page => page.Contains("Orleans Dashboard", StringComparison.Ordinal));
        Assert.Contains("Orleans Dashboard", dashboard);
        var metrics = await PageAsync(http, $"http://127.0.0.1:{ports[3]}/metrics", page => page.Contains("concord_events_appended_total{otel_scope_name=\"Concord\",region=\"eu\"} 1", StringComparison.Ordinal));
        Assert.Contains("concord_events_appended_total{otel_scope_name=\"Concord\",region=\"eu\"} 1", metrics);

        // The console beside the dashboard, in a region with no peers: its state names the region and no links.
        Assert.Contains($"console http://127.0.0.1:{ports[2]}/console", ready);
        var state = await PageAsync(http, $"http://127.0.0.1:{ports[2]}/console/api/state", page => page.Contains("\"appended\":1", StringComparison.Ordinal));
        Assert.Contains("\"region\":\"eu\",\"regions\":[\"eu\"]", state);
        Assert.Contains("\"links\":[]", state);
    }

    /// <summary>The page at <paramref name="url"/> once <paramref name="wanted"/> holds for it; fails after 60 s with the last answer or error.</summary>
    private static async Task<string> PageAsync(HttpClient http, string url, Func<string, bool> wanted)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        var last = "nothing yet";
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                using var response = await http.GetAsync(url);
                var page = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode && wanted(page))
                {
                    return page;
                }

                last = $"{(int)response.StatusCode}: {page[..Math.Min(page.Length, 2000)]}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.Message;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw new TimeoutException($"{url} did not answer as wanted within 60 s; last: {last}");
    }

    [Fact]
    public async Task A_port_held_by_another_process_fails_the_start_with_1()
    {
        var ports = FreePorts.Take(2);
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, ports[0]);
        holder.Start();
        using var silo = Start("--region", "eu", "--gateway-port", ports[0].ToString(), "--silo-port", ports[1].ToString());
        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await silo.WaitForExitAsync(exit.Token);

        Assert.Equal(1, silo.ExitCode);
        Assert.Equal($"error: region eu failed to start: port {ports[0]} is in use by another process", await silo.StandardError.ReadLineAsync(exit.Token));
    }

    [PostgresFact]
    public async Task A_silo_refuses_to_start_on_a_database_without_the_schema()
    {
        var database = await PostgresServer.CreateDatabaseAsync("empty", migrate: false);
        try
        {
            var ports = FreePorts.Take(2);
            using var silo = Start("--region", "eu", "--gateway-port", ports[0].ToString(), "--silo-port", ports[1].ToString(), "--storage", "postgres", "--connection", database);
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60));

            await silo.WaitForExitAsync(exit.Token);

            Assert.Equal(1, silo.ExitCode);
            Assert.Equal(
                "error: region eu failed to start: The database has no Concord schema. Create it with: dotnet run --project Silo -- migrate --connection \"...\"",
                await silo.StandardError.ReadLineAsync(exit.Token));
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Theory]
    [InlineData("--gateway-port", "70000")]
    [InlineData("--region", "no/slash")]
    [InlineData("--storage", "floppy")]
    [InlineData("--frobnicate")]
    public async Task Bad_arguments_exit_with_2_and_a_message(params string[] args)
    {
        using var silo = Start(args);
        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await silo.WaitForExitAsync(exit.Token);

        Assert.Equal(2, silo.ExitCode);
        Assert.StartsWith("error: ", await silo.StandardError.ReadLineAsync(exit.Token));
    }

    private static Process Start(params string[] args) =>
        Process.Start(SiloProcess.StartInfo(args)) ?? throw new InvalidOperationException("could not start the silo");

    private static async Task<string> ReadUntilAsync(Process process, List<string> seen, Func<string, bool> wanted)
    {
        using var deadline = new CancellationTokenSource(StartDeadline);
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            seen.Add(line);
            if (wanted(line))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"the silo exited without a ready line: {string.Join(" | ", seen)} {await process.StandardError.ReadToEndAsync()}");
    }
}
