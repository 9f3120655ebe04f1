using System.Net;
using System.Security.Cryptography.X509Certificates;
using Concord.Client.Sdk;
using Concord.Grains.Interfaces.Errors;
using Concord.Grains.Interfaces.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Concord.Tests.Sdk;

/// <summary>The SDK's options from one connection string or a configuration section: every key read, every bad value refused by name.</summary>
public sealed class ConcordClientSettingsTests
{
    [Fact]
    public void A_connection_string_sets_every_option()
    {
        var options = ConcordClientSettings.FromConnectionString(
            "region=us; Gateways=127.0.0.1:30001,localhost:30011; FailoverRegions=eu,ap; FailoverGateways=eu=127.0.0.1:30000|127.0.0.1:30010;" +
            "ServiceId=prod; Credential=0123456789abcdef; ConnectTimeout=2.5; CallTimeout=00:00:20; MaxAttempts=5; RetryDelay=0.5; UseSession=false");

        Assert.Equal("us", options.Region);
        Assert.Equal(["127.0.0.1:30001", "127.0.0.1:30011"], options.Gateways.Select(g => g.ToString()));
        Assert.Equal(["eu", "ap"], options.FailoverRegions);
        Assert.Equal(["127.0.0.1:30000", "127.0.0.1:30010"], options.FailoverGateways["eu"].Select(g => g.ToString()));
        Assert.Equal("prod", options.ServiceId);
        Assert.Equal("0123456789abcdef", options.Credential);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(20), options.CallTimeout);
        Assert.Equal(5, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(0.5), options.RetryDelay);
        Assert.False(options.UseSession);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("Region", "'Region' is not KEY=VALUE")]
    [InlineData("Region=eu;Colour=blue", "unknown key 'Colour'")]
    [InlineData("Region=eu;region=us", "Region is given twice")]
    [InlineData("Region=eu;Gateways=127.0.0.1", "Gateway '127.0.0.1' is not HOST:PORT")]
    [InlineData("Region=eu;Gateways=db.example:30000", "Gateway host 'db.example' is not an IP address or localhost")]
    [InlineData("Region=e/u", "Region 'e/u' is not a valid region id")]
    [InlineData("Region=mars", "Region 'mars' has no default local gateway")]
    [InlineData("Region=eu;FailoverRegions=eu", "A region appears twice")]
    [InlineData("Region=eu;FailoverGateways=us", "FailoverGateways entry 'us' is not REGION=HOST:PORT|HOST:PORT")]
    [InlineData("Region=eu;ConnectTimeout=0", "ConnectTimeout '0' is not a duration")]
    [InlineData("Region=eu;CallTimeout=soon", "CallTimeout 'soon' is not a duration")]
    [InlineData("Region=eu;MaxAttempts=0", "MaxAttempts '0' is not a whole number from 1 to 100")]
    [InlineData("Region=eu;ServiceId= ", "ServiceId is empty")]
    [InlineData("Region=eu;TlsKeyFile= ", "TlsKeyFile is empty")]
    [InlineData("Region=eu;TlsAuthorityFile=/nonexistent/ca.pem", "The TLS certificate authority file /nonexistent/ca.pem does not exist")]
    [InlineData("Region=eu;TlsCertificateFile=client.pem;TlsKeyFile=client.key", "TlsCertificateFile and TlsKeyFile need TlsAuthorityFile")]
    public void A_bad_connection_string_is_refused_naming_what_is_wrong(string connectionString, string expected)
    {
        var refused = Assert.Throws<ConcordConfigurationException>(() => ConcordClientSettings.FromConnectionString(connectionString));
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);

        // Registration reads it at once, so a bad value stops the application's start, and nothing is registered.
        var services = new ServiceCollection();
        Assert.Throws<ConcordConfigurationException>(() => services.AddConcordClient(connectionString));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(ConcordClient));
    }

    [Fact]
    public void The_tls_files_are_read_at_once_and_a_certificate_of_another_authority_is_refused()
    {
        var folder = Directory.CreateTempSubdirectory("concord-sdk-tls-").FullName;
        string Write(string name, string pem)
        {
            var path = Path.Combine(folder, name);
            File.WriteAllText(path, pem);
            return path;
        }

        var (authority, certificate) = DeploymentTls.Issue("sdk CA", "sdk client", [IPAddress.Loopback]);
        var (other, _) = DeploymentTls.Issue("other CA", "other", [IPAddress.Loopback]);
        var ca = Write("ca.pem", authority.ExportCertificatePem());
        var otherCa = Write("other-ca.pem", other.ExportCertificatePem());
        var cert = Write("client.pem", certificate.ExportCertificatePem());
        var key = Write("client.key", certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

        var options = ConcordClientSettings.FromConnectionString($"Region=eu;TlsAuthorityFile={ca};TlsCertificateFile={cert};TlsKeyFile={key}");
        Assert.Equal((ca, cert, key), (options.TlsAuthorityFile, options.TlsCertificateFile, options.TlsKeyFile));

        var refused = Assert.Throws<ConcordConfigurationException>(() =>
            ConcordClientSettings.FromConnectionString($"Region=eu;TlsAuthorityFile={otherCa};TlsCertificateFile={cert};TlsKeyFile={key}"));
        Assert.StartsWith($"The TLS certificate {cert} is not issued by the authority {otherCa}: CN=sdk client (issuer CN=sdk CA) does not chain to CN=other CA", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_section_sets_the_options_and_an_unknown_key_is_refused()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Concord:Region"] = "ap",
            ["Concord:Gateways:0"] = "127.0.0.1:30002",
            ["Concord:Gateways:1"] = "127.0.0.1:30012",
            ["Concord:FailoverRegions:0"] = "eu",
            ["Concord:FailoverGateways:eu:0"] = "127.0.0.1:30000",
            ["Concord:CallTimeout"] = "3",
        }).Build();

        var options = ConcordClientSettings.FromConfiguration(configuration.GetSection("Concord"));

        Assert.Equal("ap", options.Region);
        Assert.Equal(["127.0.0.1:30002", "127.0.0.1:30012"], options.Gateways.Select(g => g.ToString()));
        Assert.Equal(["eu"], options.FailoverRegions);
        Assert.Equal(["127.0.0.1:30000"], options.FailoverGateways["eu"].Select(g => g.ToString()));
        Assert.Equal(TimeSpan.FromSeconds(3), options.CallTimeout);

        var services = new ServiceCollection().AddConcordClient(configuration.GetSection("Concord"));
        Assert.Single(services, d => d.ServiceType == typeof(ConcordClient));

        var unknown = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Concord:Regoin"] = "eu" }).Build();
        var refused = Assert.Throws<ConcordConfigurationException>(() => ConcordClientSettings.FromConfiguration(unknown.GetSection("Concord")));
        Assert.Contains("unknown key 'Regoin'", refused.Message, StringComparison.Ordinal);
    }
}
