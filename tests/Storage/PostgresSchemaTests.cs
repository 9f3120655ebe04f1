using Concord.Grains.Interfaces.Errors;
using Concord.Storage.Postgres;
using Concord.Tests.Infrastructure;
using Npgsql;

namespace Concord.Tests.Storage;

/// <summary>Schema management: migrations are idempotent, and a silo's check refuses a missing or foreign schema.</summary>
public sealed class PostgresSchemaTests
{
    [PostgresFact]
    public async Task Migrating_twice_changes_nothing_the_second_time_and_the_check_passes()
    {
        var database = await PostgresServer.CreateDatabaseAsync("schema", migrate: false);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(database);
            var first = await PostgresSchema.MigrateAsync(dataSource);
            var second = await PostgresSchema.MigrateAsync(dataSource);

            Assert.Equal((0, PostgresSchema.CurrentVersion), (first.FromVersion, first.ToVersion));
            Assert.False(second.Changed);
            await PostgresSchema.EnsureCurrentAsync(dataSource);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [PostgresFact]
    public async Task The_check_refuses_a_database_without_the_schema_or_with_another_version()
    {
        var database = await PostgresServer.CreateDatabaseAsync("schema", migrate: false);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(database);
            var missing = await Assert.ThrowsAsync<ConcordConfigurationException>(() => PostgresSchema.EnsureCurrentAsync(dataSource));
            Assert.Contains("has no Concord schema", missing.Message);
            Assert.Contains("migrate --connection", missing.Message);

            await PostgresSchema.MigrateAsync(dataSource);
            await using (var newer = dataSource.CreateCommand($"INSERT INTO concord_schema_version (version, script) VALUES ({PostgresSchema.CurrentVersion + 1}, 'from the future')"))
            {
                await newer.ExecuteNonQueryAsync();
            }

            var future = await Assert.ThrowsAsync<ConcordConfigurationException>(() => PostgresSchema.EnsureCurrentAsync(dataSource));
            Assert.Contains($"version {PostgresSchema.CurrentVersion + 1}, newer than this silo's {PostgresSchema.CurrentVersion}", future.Message);
            await Assert.ThrowsAsync<ConcordConfigurationException>(() => PostgresSchema.MigrateAsync(dataSource));

            await using (var older = dataSource.CreateCommand($"DELETE FROM concord_schema_version WHERE version >= {PostgresSchema.CurrentVersion}"))
            {
                await older.ExecuteNonQueryAsync();
            }

            var old = await Assert.ThrowsAsync<ConcordConfigurationException>(() => PostgresSchema.EnsureCurrentAsync(dataSource));
            Assert.Contains($"version {PostgresSchema.CurrentVersion - 1}; this silo needs version {PostgresSchema.CurrentVersion}", old.Message);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }
}
