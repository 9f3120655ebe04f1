using System.Net;
using System.Security.Cryptography.X509Certificates;
using Concord.Grains.Interfaces.Security;

namespace Concord.Tests.Infrastructure;

/// <summary>A certificate authority and one certificate it issued, as the PEM files a deployment's operator gives the silo.</summary>
public sealed record TlsFiles(string Authority, string Certificate, string Key)
{
    /// <summary>Makes a new authority named <paramref name="name"/> and a loopback certificate it issued, in a new folder.</summary>
    public static TlsFiles Create(string name)
    {
        var folder = Directory.CreateTempSubdirectory($"concord-tls-{name}-").FullName;
        var (authority, certificate) = DeploymentTls.Issue($"{name} CA", name, [IPAddress.Loopback]);
        var files = new TlsFiles(Path.Combine(folder, "ca.pem"), Path.Combine(folder, "region.pem"), Path.Combine(folder, "region.key"));
        File.WriteAllText(files.Authority, authority.ExportCertificatePem());
        File.WriteAllText(files.Certificate, certificate.ExportCertificatePem());
        File.WriteAllText(files.Key, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return files;
    }

    /// <summary>The silo options that name these files.</summary>
    public string[] SiloArguments => ["--tls-certificate", Certificate, "--tls-key", Key, "--tls-ca", Authority];
}
