using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using Concord.Client.Sdk;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Replication;
using Concord.Grains.Interfaces.Security;
using Concord.Tests.Infrastructure;

namespace Concord.Tests.Security;

/// <summary>
/// TLS as an operator configures it, against silo processes: clients of the deployment's authority connect, and a
/// plaintext client, a client presenting a certificate of another authority, a client that does not trust the
/// region's certificate, and a peer region of another authority are all refused, each with one clear line.
/// </summary>
public sealed class TlsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_region_serves_its_authoritys_clients_and_refuses_plaintext_and_foreign_certificates()
    {
        var deployment = TlsFiles.Create("deployment");
        var foreign = TlsFiles.Create("foreign");
        var ports = FreePorts.Take(3);
        await using var silo = SiloProcess.Start("eu", [
            "--region", "eu", "--gateway-port", ports[0].ToString(), "--silo-port", ports[1].ToString(), "--dashboard-port", ports[2].ToString(), .. deployment.SiloArguments]);
        var ready = await silo.WaitForLineAsync(l => l.StartsWith("region eu ready:", StringComparison.Ordinal), Deadline);
        Assert.Contains(", TLS on (CN=deployment CA),", ready, StringComparison.Ordinal);
        Assert.Contains($"console https://127.0.0.1:{ports[2]}/console", ready, StringComparison.Ordinal);
        var gateway = new IPEndPoint(IPAddress.Loopback, ports[0]);

        // The authority's client writes and reads.
        await using (var trusted = new ConcordClient(new ConcordClientOptions { Region = "eu", Gateways = [gateway], TlsAuthorityFile = deployment.Authority, ConnectTimeout = TimeSpan.FromSeconds(30) }))
        {
            await trusted.DepositAsync("tls-alice", 5m, requestId: "tls-1");
            Assert.Equal(5.00m, (await trusted.GetBalanceAsync("tls-alice")).Balance);
        }

        // A plaintext client: refused at the handshake, and told what may be missing.
        await using (var plaintext = new ConcordClient(new ConcordClientOptions { Region = "eu", Gateways = [gateway], ConnectTimeout = TimeSpan.FromSeconds(3), MaxAttempts = 1 }))
        {
            var refused = await Assert.ThrowsAsync<RegionUnavailableException>(() => plaintext.GetBalanceAsync("tls-alice"));
            Assert.Contains("in plain TCP; a region that runs with TLS needs TlsAuthorityFile", refused.Message, StringComparison.Ordinal);
        }

        await silo.WaitForLineAsync(l => l.Contains("TLS: refused a client connection from 127.0.0.1:", StringComparison.Ordinal) && l.EndsWith(": it is plaintext, not TLS (a client or silo without TLS configured).", StringComparison.Ordinal), Deadline);

        // A client that does not trust the region's certificate refuses it itself, and says so.
        await using (var distrustful = new ConcordClient(new ConcordClientOptions { Region = "eu", Gateways = [gateway], TlsAuthorityFile = foreign.Authority, ConnectTimeout = TimeSpan.FromSeconds(3), MaxAttempts = 1 }))
        {
            var refused = await Assert.ThrowsAsync<RegionUnavailableException>(() => distrustful.GetBalanceAsync("tls-alice"));
            Assert.Contains("its TLS certificate is not trusted (CN=deployment (issuer CN=deployment CA) does not chain to CN=foreign CA", refused.Message, StringComparison.Ordinal);
        }

        // A client that trusts the region but presents a certificate another authority issued is refused by the region.
        var foreignIdentity = DeploymentTls.Of(X509Certificate2.CreateFromPem(File.ReadAllText(deployment.Authority)), X509Certificate2.CreateFromPemFile(foreign.Certificate, foreign.Key));
        using (var impostor = RegionClientHost.Create("eu", [gateway], "concord", new RegionClientHostSettings { Tls = foreignIdentity }))
        {
            using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await Assert.ThrowsAnyAsync<Exception>(() => impostor.StartAsync(connect.Token));
        }

        await silo.WaitForLineAsync(
            l => l.Contains("TLS: refused a client connection from 127.0.0.1:", StringComparison.Ordinal)
                && l.Contains(": its certificate is not the deployment's: CN=foreign (issuer CN=foreign CA) does not chain to CN=deployment CA", StringComparison.Ordinal),
            Deadline);

        // The console is served over HTTPS with the region's certificate.
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && DeploymentTls.Of(X509Certificate2.CreateFromPem(File.ReadAllText(deployment.Authority))).Trusts(certificate, out _),
        };
        using var https = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var state = await https.GetFromJsonAsync<System.Text.Json.JsonElement>($"https://127.0.0.1:{ports[2]}/console/api/state");
        Assert.Equal("eu", state.GetProperty("region").GetString());
    }

    [Fact]
    public async Task A_peer_region_of_another_authority_is_refused_both_ways_and_writes_go_on()
    {
        var euFiles = TlsFiles.Create("eu-deployment");
        var usFiles = TlsFiles.Create("us-deployment");
        var ports = FreePorts.Take(4);
        await using var eu = SiloProcess.Start("eu", [
            "--region", "eu", "--gateway-port", ports[0].ToString(), "--silo-port", ports[1].ToString(), "--peer", $"us=127.0.0.1:{ports[2]}", .. euFiles.SiloArguments]);
        await using var us = SiloProcess.Start("us", [
            "--region", "us", "--gateway-port", ports[2].ToString(), "--silo-port", ports[3].ToString(), "--peer", $"eu=127.0.0.1:{ports[0]}", .. usFiles.SiloArguments]);
        await eu.WaitReadyAsync();
        await us.WaitReadyAsync();

        // eu takes writes whatever its peer; its link refuses us's certificate, and us's gateway refuses eu's.
        await using var client = new ConcordClient(new ConcordClientOptions { Region = "eu", Gateways = [new(IPAddress.Loopback, ports[0])], TlsAuthorityFile = euFiles.Authority, ConnectTimeout = TimeSpan.FromSeconds(30) });
        await client.DepositAsync("tls-bob", 3m, requestId: "tls-peer-1");
        await eu.WaitForLineAsync(
            l => l.Contains("TLS: refused peer region us, its gateway certificate is not the deployment's: CN=us-deployment (issuer CN=us-deployment CA) does not chain to CN=eu-deployment CA", StringComparison.Ordinal),
            Deadline);
        await us.WaitForLineAsync(
            l => l.Contains("TLS: refused a client connection from 127.0.0.1:", StringComparison.Ordinal)
                && l.Contains("its certificate is not the deployment's: CN=eu-deployment (issuer CN=eu-deployment CA) does not chain to CN=us-deployment CA", StringComparison.Ordinal),
            Deadline);

        await Eventually.HoldsAsync(
            async () => Assert.Single((await client.GetStatusAsync()).Peers) is { Peer: "us", Link: "down", LagEvents: 1, LastError: { } error }
                && error.Contains("its TLS certificate is not trusted (CN=us-deployment", StringComparison.Ordinal),
            "eu's status shows the link to us down for its certificate, with the deposit waiting", Deadline,
            async () => System.Text.Json.JsonSerializer.Serialize((await client.GetStatusAsync()).Peers));
        Assert.Equal(3.00m, (await client.GetBalanceAsync("tls-bob")).Balance);
    }
}
