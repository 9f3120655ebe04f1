using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Concord.Grains.Interfaces.Errors;

namespace Concord.Grains.Interfaces.Security;

/// <summary>
/// The TLS identity of one process of a deployment: the deployment's certificate authority, which every silo, link
/// and client trusts and nothing else, and this process's own certificate issued by it (with its private key), which
/// silos and region links always present and a client may. Names in certificates are not checked: a certificate
/// the deployment's authority issued is the deployment's, wherever it connects from. docs/security.md explains it.
/// </summary>
public sealed class DeploymentTls
{
    private DeploymentTls(X509Certificate2Collection authorities, X509Certificate2? certificate, bool isThrowaway)
    {
        if (authorities.Count == 0)
        {
            throw new ConcordConfigurationException("A deployment's TLS needs at least one certificate authority.");
        }

        Authorities = authorities;
        Certificate = certificate;
        IsThrowaway = isThrowaway;
    }

    /// <summary>The deployment's certificate authority (the first, when the file holds several during a rotation).</summary>
    public X509Certificate2 Authority => Authorities[0];

    /// <summary>
    /// Every authority this process trusts: one, or the old and the new one while the deployment rotates its
    /// authority (docs/security.md#rotation). Every connection's peer certificate must chain to one of them.
    /// </summary>
    public X509Certificate2Collection Authorities { get; }

    /// <summary>This process's certificate with its private key, or null for a client that presents none.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>True for the local default's authority, made at start and gone when the process ends.</summary>
    public bool IsThrowaway { get; }

    /// <summary>Trusts <paramref name="authority"/> and presents <paramref name="certificate"/> (with its key), when given.</summary>
    public static DeploymentTls Of(X509Certificate2 authority, X509Certificate2? certificate = null)
    {
        ArgumentNullException.ThrowIfNull(authority);
        if (certificate is { HasPrivateKey: false })
        {
            throw new ConcordConfigurationException($"The TLS certificate {certificate.Subject} has no private key.");
        }

        return new DeploymentTls([authority], certificate, isThrowaway: false);
    }

    /// <summary>
    /// Reads the authority (<paramref name="authorityPath"/>) and, when both are given, this process's certificate and
    /// key, all PEM files. A missing file, a file that is not PEM, a key that does not match its certificate, or a
    /// certificate the authority did not issue fails here, at start, naming the file.
    /// </summary>
    public static DeploymentTls FromPemFiles(string authorityPath, string? certificatePath = null, string? keyPath = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(authorityPath);
        if ((certificatePath is null) != (keyPath is null))
        {
            throw new ConcordConfigurationException("A TLS certificate needs its key, and a key its certificate: give both or neither.");
        }

        var authorities = Read(authorityPath, "certificate authority", () =>
        {
            var all = new X509Certificate2Collection();
            all.ImportFromPemFile(authorityPath);
            return all.Count > 0 ? all : throw new CryptographicException("it holds no certificate");
        });
        if (certificatePath is not null)
        {
            var certificate = Read(certificatePath, "certificate", () => X509Certificate2.CreateFromPemFile(certificatePath, keyPath));
            var tls = new DeploymentTls(authorities, certificate, isThrowaway: false);
            if (!tls.Trusts(certificate, out var problem))
            {
                throw new ConcordConfigurationException($"The TLS certificate {certificatePath} is not issued by the authority {authorityPath}: {problem}.");
            }

            return tls;
        }

        return new DeploymentTls(authorities, null, isThrowaway: false);
    }

    /// <summary>
    /// The local default's TLS: a new authority and one certificate it issues for <paramref name="addresses"/> and
    /// <c>localhost</c>, valid for a week, kept in memory only.
    /// </summary>
    public static DeploymentTls CreateThrowaway(IEnumerable<IPAddress> addresses)
    {
        var (authority, certificate) = Issue("Concord local deployment CA", "Concord local deployment", addresses);
        return new DeploymentTls([authority], certificate, isThrowaway: true);
    }

    /// <summary>
    /// A new authority and a certificate it issues (with its key), for tests and for making a deployment's files:
    /// <c>Authority.ExportCertificatePem()</c>, <c>Certificate.ExportCertificatePem()</c> and the key's PKCS#8 PEM.
    /// </summary>
    public static (X509Certificate2 Authority, X509Certificate2 Certificate) Issue(string authorityName, string subjectName, IEnumerable<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var now = DateTimeOffset.UtcNow;
        // The keys stay alive with the certificates that hold them: not disposed here.
        var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest($"CN={authorityName}", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        authorityRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(authorityRequest.PublicKey, critical: false));
        var authority = authorityRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(7));

        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subjectName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        foreach (var address in addresses)
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(authority, now.AddMinutes(-5), now.AddDays(7), serial);
        return (authority, issued.CopyWithPrivateKey(key));
    }

    /// <summary>Whether <paramref name="certificate"/> chains to one of <see cref="Authorities"/> and nothing else, and is in its validity period.</summary>
    public bool Trusts(X509Certificate2 certificate, out string problem)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (chain.Build(certificate) && Authorities.Any(a => chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(a.RawDataMemory.Span)))
        {
            problem = string.Empty;
            return true;
        }

        var statuses = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToArray();
        problem = $"{certificate.Subject} (issuer {certificate.Issuer}) does not chain to {string.Join(" or ", Authorities.Select(a => a.Subject))}"
            + (statuses.Length > 0 ? $": {string.Join("; ", statuses)}" : string.Empty);
        return false;
    }

    private static T Read<T>(string path, string what, Func<T> read)
    {
        if (!File.Exists(path))
        {
            throw new ConcordConfigurationException($"The TLS {what} file {path} does not exist.");
        }

        try
        {
            return read();
        }
        catch (CryptographicException ex)
        {
            throw new ConcordConfigurationException($"The TLS {what} file {path} could not be read as PEM: {ex.Message}");
        }
    }
}
