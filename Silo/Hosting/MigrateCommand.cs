using Concord.Grains.Interfaces.Errors;
using Concord.Storage.Postgres;
using Npgsql;

namespace Concord.Silo.Hosting;

/// <summary><c>dotnet run --project Silo -- migrate --connection ...</c>: creates or upgrades a region's schema.</summary>
public static class MigrateCommand
{
    /// <summary>Exit codes: 0 done (or nothing to do), 1 the database refused or is unreachable (bad arguments never get here).</summary>
    public static async Task<int> RunAsync(string connection, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connection);
            var database = new NpgsqlConnectionStringBuilder(connection).Database ?? "(default database)";
            Console.WriteLine($"migrating {database} to Concord schema version {PostgresSchema.CurrentVersion}");
            var result = await PostgresSchema.MigrateAsync(dataSource, line => Console.WriteLine($"  {line}"), timeout.Token);
            Console.WriteLine(result.Changed
                ? $"schema is at version {result.ToVersion} (was {result.FromVersion})"
                : $"schema is already at version {result.ToVersion}; nothing to do");
            return 0;
        }
        catch (Exception ex) when (ex is NpgsqlException or ConcordConfigurationException or OperationCanceledException)
        {
            Console.Error.WriteLine($"error: migration failed, nothing was changed: {ex.Message}");
            return 1;
        }
    }
}
