using Concord.Silo.Hosting;

namespace Concord.Tests.Cli;

/// <summary>The silo's command line: help for the silo and for migrate, one error line and exit code 2 for what it cannot use.</summary>
public sealed class SiloCommandLineTests
{
    [Fact]
    public async Task Help_lists_the_silo_options_and_the_migrate_command_and_exits_0_without_starting_anything()
    {
        var (code, output, error, ran) = await RunAsync("--help");

        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.False(ran);
        Assert.Contains("--region <ID>", output, StringComparison.Ordinal);
        Assert.Contains("--peer <NAME=HOST:PORT>", output, StringComparison.Ordinal);
        Assert.Contains("migrate", output, StringComparison.Ordinal);

        var (migrateCode, migrateHelp, _, _) = await RunAsync("migrate", "--help");
        Assert.Equal(0, migrateCode);
        Assert.Contains("--connection <CONNSTRING>", migrateHelp, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("error: Unrecognized command or argument '--bogus'. (see --help)", "--bogus")]
    [InlineData("error: --gateway-port 'abc' is not a port number. (see --help)", "--gateway-port", "abc")]
    [InlineData("error: --otlp-endpoint 'collector:4317' is not an http:// or https:// URL. (see --help)", "--otlp-endpoint", "collector:4317")]
    [InlineData("error: --otlp-protocol 'thrift' is not grpc or http/protobuf. (see --help)", "--region", "eu", "--otlp-protocol", "thrift")]
    [InlineData("error: --peer 'us' is not NAME=HOST:PORT (HOST an IP address or localhost). (see --help)", "--peer", "us")]
    [InlineData("error: --advertise 'somewhere' is not an IP address. (see --help)", "--advertise", "somewhere")]
    [InlineData("error: --tls-certificate, --tls-key and --tls-ca go together: give all three. (see --help)", "--tls-certificate", "region.pem")]
    [InlineData("error: The TLS certificate authority file /nonexistent/ca.pem does not exist. (see --help)", "--tls-certificate", "region.pem", "--tls-key", "region.key", "--tls-ca", "/nonexistent/ca.pem")]
    public async Task A_bad_argument_exits_2_with_one_error_line_and_starts_nothing(string expected, params string[] args)
    {
        var (code, output, error, ran) = await RunAsync(args);

        Assert.Equal(SiloCommandLine.BadArguments, code);
        Assert.Equal([expected], error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(output);
        Assert.False(ran);
    }

    [Fact]
    public async Task Region_options_describe_one_region_and_are_handed_to_the_host()
    {
        IReadOnlyList<RegionHostOptions>? hosted = null;
        var code = await SiloCommandLine.RunAsync(
            ["--region", "us", "--gateway-port", "30101", "--peer", "eu=127.0.0.1:30100", "--peer", "eu=localhost:30110", "--verbose"],
            TextWriter.Null,
            TextWriter.Null,
            (regions, verbose, _) =>
            {
                hosted = verbose ? regions : null;
                return Task.FromResult(7);
            },
            (_, _) => Task.FromResult(0));

        Assert.Equal(7, code);
        var region = Assert.Single(hosted!);
        Assert.Equal("us", region.Region);
        Assert.Equal(30101, region.GatewayPort);
        Assert.Equal(["127.0.0.1:30100", "127.0.0.1:30110"], region.Peers["eu"].Select(g => g.ToString()));
    }

    [Fact]
    public async Task Migrate_hands_over_its_connection_string()
    {
        string? migrated = null;
        var code = await SiloCommandLine.RunAsync(
            ["migrate", "--connection", "Host=127.0.0.1;Database=eu;Username=postgres"],
            TextWriter.Null,
            TextWriter.Null,
            (_, _, _) => Task.FromResult(1),
            (connection, _) =>
            {
                migrated = connection;
                return Task.FromResult(0);
            });

        Assert.Equal(0, code);
        Assert.Equal("Host=127.0.0.1;Database=eu;Username=postgres", migrated);
    }

    private static async Task<(int Code, string Output, string Error, bool Ran)> RunAsync(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var ran = false;
        var code = await SiloCommandLine.RunAsync(
            args,
            output,
            error,
            (_, _, _) =>
            {
                ran = true;
                return Task.FromResult(0);
            },
            (_, _) =>
            {
                ran = true;
                return Task.FromResult(0);
            });
        return (code, output.ToString(), error.ToString(), ran);
    }
}
