using System.Net;
using Concord.Grains.Interfaces.Security;

namespace Concord.Tests.Security;

/// <summary>What a deployment's TLS trusts: certificates its authorities issued, both during a rotation, nothing else.</summary>
public sealed class DeploymentTlsTests
{
    [Fact]
    public void An_authority_file_with_the_old_and_the_new_authority_trusts_both_and_nothing_else()
    {
        var (oldAuthority, oldCertificate) = DeploymentTls.Issue("old CA", "region old", [IPAddress.Loopback]);
        var (newAuthority, newCertificate) = DeploymentTls.Issue("new CA", "region new", [IPAddress.Loopback]);
        var (_, foreignCertificate) = DeploymentTls.Issue("foreign CA", "foreign", [IPAddress.Loopback]);
        var folder = Directory.CreateTempSubdirectory("concord-tls-rotation-").FullName;
        var bundle = Path.Combine(folder, "ca.pem");
        File.WriteAllText(bundle, oldAuthority.ExportCertificatePem() + "\n" + newAuthority.ExportCertificatePem());

        var tls = DeploymentTls.FromPemFiles(bundle);

        Assert.Equal(["CN=old CA", "CN=new CA"], tls.Authorities.Select(a => a.Subject));
        Assert.True(tls.Trusts(oldCertificate, out _));
        Assert.True(tls.Trusts(newCertificate, out _));
        Assert.False(tls.Trusts(foreignCertificate, out var problem));
        Assert.StartsWith("CN=foreign (issuer CN=foreign CA) does not chain to CN=old CA or CN=new CA", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_self_signed_certificate_claiming_the_authoritys_name_is_not_trusted()
    {
        var (authority, _) = DeploymentTls.Issue("deployment CA", "region", [IPAddress.Loopback]);
        var (impostorAuthority, impostor) = DeploymentTls.Issue("deployment CA", "region", [IPAddress.Loopback]);

        Assert.Equal(authority.Subject, impostorAuthority.Subject);
        Assert.False(DeploymentTls.Of(authority).Trusts(impostor, out _));
    }

    [Fact]
    public void The_local_default_is_trusted_only_for_the_gateways_it_published_while_its_process_runs()
    {
        var tls = DeploymentTls.CreateThrowaway([IPAddress.Loopback]);
        var path = LocalDeploymentTrust.FilePath;
        var earlier = File.Exists(path) ? File.ReadAllText(path) : null;
        try
        {
            LocalDeploymentTrust.Publish(tls, [new IPEndPoint(IPAddress.Loopback, 39000), new IPEndPoint(IPAddress.Loopback, 39001)]);

            Assert.Equal(tls.Authority.Thumbprint, LocalDeploymentTrust.For([new IPEndPoint(IPAddress.Loopback, 39001)])!.Authority.Thumbprint);
            Assert.Null(LocalDeploymentTrust.For([new IPEndPoint(IPAddress.Loopback, 39001), new IPEndPoint(IPAddress.Loopback, 39002)]));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            LocalDeploymentTrust.Withdraw();
            Assert.False(File.Exists(path));
        }
        finally
        {
            if (earlier is not null)
            {
                File.WriteAllText(path, earlier);
            }
        }
    }
}
