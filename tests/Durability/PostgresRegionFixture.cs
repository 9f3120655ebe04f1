using Concord.Tests.Infrastructure;
using Npgsql;

namespace Concord.Tests.Durability;

/// <summary>One in-process region whose event log, grain state and reminders live in a fresh PostgreSQL database.</summary>
public sealed class PostgresRegionFixture : RegionClusterFixture
{
    public string ConnectionString { get; private set; } = string.Empty;

    public NpgsqlDataSource Database { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        if (PostgresServer.SkipReason is not null)
        {
            return;
        }

        ConnectionString = await PostgresServer.CreateDatabaseAsync("region");
        Database = NpgsqlDataSource.Create(ConnectionString);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        if (ConnectionString.Length == 0)
        {
            return;
        }

        await base.DisposeAsync();
        await Database.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(ConnectionString);
    }

    protected override bool UsesMemoryStorage => false;

    protected override void ConfigureStorage(ISiloBuilder silo) =>
        silo.AddConcordPostgres(postgres =>
        {
            postgres.ConnectionString = ConnectionString;

            // The test cluster brings its own membership.
            postgres.UseForClustering = false;
        });
}
