using Concord.Grains.Interfaces.Errors;
using Microsoft.Extensions.Hosting;

namespace Concord.Tests.Storage;

/// <summary>The PostgreSQL provider's options: a connection string that cannot work is refused at registration, naming what is wrong.</summary>
public sealed class PostgresOptionsTests
{
    [Theory]
    [InlineData(null, "ConnectionString is required")]
    [InlineData("  ", "ConnectionString is required")]
    [InlineData("Host=127.0.0.1;Database", "is not an Npgsql connection string")]
    [InlineData("Database=concord_eu", "names no Host")]
    [InlineData("Host=127.0.0.1;Username=concord", "names no Database")]
    public void A_connection_string_that_cannot_work_is_refused_naming_the_problem(string? connection, string expected)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var refused = Assert.Throws<ConcordConfigurationException>(() =>
            builder.UseOrleans(silo => silo.AddConcordPostgres(postgres => postgres.ConnectionString = connection)));

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(builder.Services, d => d.ServiceType == typeof(Npgsql.NpgsqlDataSource));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_log_and_the_archive_are_postgres_whether_AddConcord_comes_first_or_last(bool concordFirst)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo =>
        {
            if (concordFirst)
            {
                silo.AddConcord(options => options.Region = "eu");
            }

            silo.AddConcordPostgres(postgres => postgres.ConnectionString = "Host=127.0.0.1;Database=concord_eu;Username=concord");
            if (!concordFirst)
            {
                silo.AddConcord(options => options.Region = "eu");
            }
        });

        var log = Assert.Single(builder.Services, d => d.ServiceType == typeof(Concord.Grains.Storage.IEventLogStore));
        Assert.Equal(typeof(Concord.Storage.Postgres.PostgresEventLogStore), log.ImplementationType);
        var archive = Assert.Single(builder.Services, d => d.ServiceType == typeof(Concord.Grains.Replication.ICheckpointArchive));
        Assert.Equal(typeof(Concord.Storage.Postgres.PostgresCheckpointArchive), archive.ImplementationType);
    }

    [Fact]
    public void A_good_connection_string_registers_the_log_the_archive_and_the_schema_check_once()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo =>
        {
            silo.AddConcordPostgres(postgres => postgres.ConnectionString = "Host=127.0.0.1;Database=concord_eu;Username=concord");
            silo.AddConcordPostgres(postgres => postgres.ConnectionString = "Host=127.0.0.1;Database=concord_eu;Username=concord");
        });

        Assert.Single(builder.Services, d => d.ServiceType == typeof(Npgsql.NpgsqlDataSource));
        Assert.Single(builder.Services, d => d.ServiceType == typeof(Concord.Grains.Storage.IEventLogStore) && d.ImplementationType == typeof(Concord.Storage.Postgres.PostgresEventLogStore));
        Assert.Single(builder.Services, d => d.ImplementationType == typeof(Concord.Storage.Postgres.PostgresSchemaCheck));
    }
}
