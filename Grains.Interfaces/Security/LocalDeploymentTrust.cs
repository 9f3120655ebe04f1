using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Concord.Grains.Interfaces.Security;

/// <summary>
/// How clients on this machine trust the local default without flags: the silo started with no arguments writes its
/// throwaway authority, its process id and its gateways to a file only this user can read; a client whose gateways
/// are all among them, while that process lives, trusts that authority. Anything else (another user's file, a
/// stopped silo, other gateways) is not trusted, and the client connects as configured.
/// </summary>
public static class LocalDeploymentTrust
{
    /// <summary><c>~/.local/share/concord/local-deployment-tls.json</c> (the user's local application data folder).</summary>
    public static string FilePath => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify),
        "concord",
        "local-deployment-tls.json");

    /// <summary>Publishes <paramref name="tls"/>'s authority for <paramref name="gateways"/>, replacing any earlier file.</summary>
    public static void Publish(DeploymentTls tls, IEnumerable<IPEndPoint> gateways)
    {
        ArgumentNullException.ThrowIfNull(tls);
        ArgumentNullException.ThrowIfNull(gateways);
        var path = FilePath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var record = new Record(Environment.ProcessId, [.. gateways.Select(g => g.ToString())], tls.Authority.ExportCertificatePem());
        var temporary = path + $".{Environment.ProcessId}.tmp";
        var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Only this user reads or replaces it.
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temporary, create))
        {
            JsonSerializer.Serialize(file, record);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Removes the file when this process published it.</summary>
    public static void Withdraw()
    {
        if (Read() is { } record && record.ProcessId == Environment.ProcessId)
        {
            File.Delete(FilePath);
        }
    }

    /// <summary>The authority to trust for <paramref name="gateways"/>, or null when the local default does not serve them all.</summary>
    public static DeploymentTls? For(IEnumerable<IPEndPoint> gateways)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        if (Read() is not { } record || !IsRunning(record.ProcessId))
        {
            return null;
        }

        var served = record.Gateways.ToHashSet(StringComparer.Ordinal);
        if (!gateways.All(g => served.Contains(g.ToString())))
        {
            return null;
        }

        try
        {
            return DeploymentTls.Of(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(record.AuthorityPem));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // A damaged file trusts nothing; the client connects as configured.
            return null;
        }
    }

    private static Record? Read()
    {
        try
        {
            var path = FilePath;
            if (!File.Exists(path) || (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0))
            {
                // Missing, or writable by others: not this user's to trust.
                return null;
            }

            return JsonSerializer.Deserialize<Record>(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private sealed record Record(int ProcessId, string[] Gateways, string AuthorityPem);
}
