using System.Net;
using System.Net.Sockets;

namespace Concord.Tests.Infrastructure;

/// <summary>
/// <c>dotnet run --project Silo</c> as a new user runs it: no arguments, three regions on the local default's fixed
/// ports. Tests that start it share <see cref="LocalDefaultCollection"/>, so only one holds those ports at a time.
/// </summary>
public static class LocalDefaultSilo
{
    private static readonly int[] LocalPorts = [30000, 30001, 30002, 11111, 11112, 11113, 8080, 8081, 8082];

    /// <summary>Starts the silo with no arguments and waits for every region's ready line (returned by region).</summary>
    public static async Task<(SiloProcess Silo, IReadOnlyDictionary<string, string> ReadyLines)> StartAsync()
    {
        var taken = LocalPorts.Where(p => !IsFree(p)).ToArray();
        Assert.True(taken.Length == 0, $"The local default's ports {string.Join(", ", taken)} are in use (is `dotnet run --project Silo` running?); this test starts it itself.");
        var silo = SiloProcess.Start("local", []);
        var ready = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var region in new[] { "eu", "us", "ap" })
        {
            ready[region] = await silo.WaitForLineAsync(l => l.StartsWith($"region {region} ready:", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
            Assert.Contains(", TLS on (throwaway local authority),", ready[region], StringComparison.Ordinal);
        }

        return (silo, ready);
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LocalDefaultCollection
{
    public const string Name = "the local default's ports";
}
