using System.Collections.Concurrent;
using Concord.Grains.Interfaces.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Concord.Silo.Hosting;

/// <summary>
/// TLS on every hop of a region's silo: silo to silo (both sides present certificates the deployment's authority
/// issued), and clients at the gateway (their certificate is optional, since clients prove themselves with a
/// credential, but one the authority did not issue is refused). A plaintext connection fails its handshake. Each
/// refused connection is logged as one warning naming the remote address and why (at most once a minute per
/// address and reason, since refused clients retry), in place of Orleans' own stack traces.
/// </summary>
internal static partial class RegionTls
{
    /// <summary>Orleans' TLS middleware logs every failed handshake with a stack trace; the guard below says it in one line.</summary>
    public const string OrleansTlsLogCategory = "Orleans.Connections.Security";

    private static readonly TimeSpan RepeatAfter = TimeSpan.FromMinutes(1);

    // How long a connection may take to open its TLS handshake, and to finish it (Orleans' default).
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    // The content type of a TLS record that opens a handshake (ClientHello), the first byte a TLS client sends.
    private const byte TlsHandshakeRecord = 0x16;

    // What the certificate check found for the connection whose handshake runs in this async flow.
    private static readonly AsyncLocal<Handshake?> Current = new();

    public static ISiloBuilder UseDeploymentTls(this ISiloBuilder silo, DeploymentTls tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        return silo.Configure<SiloConnectionOptions>(connections =>
        {
            connections.ConfigureSiloInboundConnection(c => Guarded(c, tls, a => $"a silo connection from {a}", RemoteCertificateMode.RequireCertificate, server: true));
            connections.ConfigureGatewayInboundConnection(c => Guarded(c, tls, a => $"a client connection from {a}", RemoteCertificateMode.AllowCertificate, server: true));
            connections.ConfigureSiloOutboundConnection(c => Guarded(c, tls, a => $"the connection to silo {a}", RemoteCertificateMode.RequireCertificate, server: false));
        });
    }

    /// <summary>Logs a peer region whose gateway certificate this region's link refused.</summary>
    public static Action<string, string> UntrustedPeerLog(ILogger logger) => (peer, problem) => LogPeerRefused(logger, peer, problem);

    private static void Guarded(IConnectionBuilder connection, DeploymentTls tls, Func<string, string> describe, RemoteCertificateMode mode, bool server)
    {
        var logger = connection.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RegionTls).FullName!);
        var logged = new ConcurrentDictionary<(string Address, string Reason), DateTime>();
        void Refused(ConnectionContext context, string reason)
        {
            var address = context.RemoteEndPoint?.ToString() ?? "an unknown address";
            var key = (context.RemoteEndPoint as System.Net.IPEndPoint)?.Address.ToString() ?? address;
            var now = DateTime.UtcNow;
            if (!logged.TryGetValue((key, reason), out var last) || now - last > RepeatAfter)
            {
                logged[(key, reason)] = now;
                LogRefused(logger, describe(address), reason);
            }
        }

        connection.Use(next => async context =>
        {
            if (server)
            {
                // Look at the first bytes without taking them: a connection closed before sending any (a client's
                // reachability probe) is no refusal, and one that does not open with a TLS record is plaintext.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.ConnectionClosed);
                wait.CancelAfter(HandshakeTimeout);
                System.IO.Pipelines.ReadResult first;
                try
                {
                    first = await context.Transport.Input.ReadAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    Refused(context, $"nothing sent within {HandshakeTimeout.TotalSeconds:0} s");
                    return;
                }

                if (first.Buffer.IsEmpty)
                {
                    return;
                }

                var opensWithTls = first.Buffer.FirstSpan[0] == TlsHandshakeRecord;
                context.Transport.Input.AdvanceTo(first.Buffer.Start, first.Buffer.Start);
                if (!opensWithTls)
                {
                    Refused(context, "it is plaintext, not TLS (a client or silo without TLS configured)");
                    return;
                }
            }

            var handshake = new Handshake();
            Current.Value = handshake;
            await next(context);
            if (!handshake.Completed)
            {
                Refused(context, handshake.Problem ?? "the TLS handshake failed");
            }
        });

        var options = new TlsOptions
        {
            HandshakeTimeout = HandshakeTimeout,
            LocalCertificate = tls.Certificate,
            RemoteCertificateMode = mode,
            ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
            RemoteCertificateValidation = (certificate, _, _) =>
            {
                if (tls.Trusts(certificate, out var problem))
                {
                    return true;
                }

                Current.Value?.Refuse($"its certificate is not the deployment's: {problem}");
                return false;
            },
        };
        if (server)
        {
            connection.UseServerTls(options);
        }
        else
        {
            connection.UseClientTls(options);
        }

        connection.Use(next => context =>
        {
            Current.Value?.Complete();
            return next(context);
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS: refused {Connection}: {Reason}.")]
    private static partial void LogRefused(ILogger logger, string connection, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS: refused peer region {Peer}, its gateway certificate is not the deployment's: {Problem}.")]
    private static partial void LogPeerRefused(ILogger logger, string peer, string problem);

    private sealed class Handshake
    {
        public bool Completed { get; private set; }

        public string? Problem { get; private set; }

        public void Complete() => Completed = true;

        public void Refuse(string problem) => Problem = problem;
    }
}
