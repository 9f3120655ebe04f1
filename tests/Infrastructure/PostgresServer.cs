using System.Reflection;
using Concord.Storage.Postgres;
using Npgsql;
using Xunit.Sdk;

namespace Concord.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the PostgreSQL-backed tests use, named by <c>CONCORD_TEST_POSTGRES</c> (./test.sh starts a
/// throwaway one and sets it). Without it those tests skip with a message, except under CI, where they must run.
/// </summary>
public static class PostgresServer
{
    public const string Variable = "CONCORD_TEST_POSTGRES";

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    /// <summary>True when <c>CI</c> holds any value but an empty one, 0, false or no, as test.sh reads it.</summary>
    public static bool IsCi => Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ci
        && !new[] { "0", "false", "no" }.Contains(ci, StringComparer.OrdinalIgnoreCase);

    /// <summary>Why PostgreSQL tests skip, or null when they run (a server is configured, or this is CI).</summary>
    public static string? SkipReason =>
        ConnectionString is null && !IsCi
            ? $"No PostgreSQL server configured: set {Variable} to a connection string, or run ./test.sh, which starts one."
            : null;

    /// <summary>Creates an empty database with a unique name, migrated to the current schema unless told otherwise.</summary>
    public static async Task<string> CreateDatabaseAsync(string purpose, bool migrate = true)
    {
        var server = ConnectionString
            ?? throw new InvalidOperationException($"{Variable} is not set; under CI the PostgreSQL tests never skip, so the CI script must start a server.");
        var name = $"concord_{purpose}_{Guid.NewGuid():N}".ToLowerInvariant();
        name = name[..Math.Min(name.Length, 63)];
        await using (var admin = NpgsqlDataSource.Create(server))
        await using (var create = admin.CreateCommand($"CREATE DATABASE \"{name}\""))
        {
            await create.ExecuteNonQueryAsync();
        }

        var connection = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        if (migrate)
        {
            await using var dataSource = NpgsqlDataSource.Create(connection);
            await PostgresSchema.MigrateAsync(dataSource);
        }

        return connection;
    }

    /// <summary>
    /// The path of a PostgreSQL client program (<c>pg_dump</c>, <c>pg_restore</c>): from the server's own bin folder
    /// (<c>/usr/lib/postgresql/N/bin</c>, newest first), else from <c>PATH</c>.
    /// </summary>
    public static string Tool(string name)
    {
        IEnumerable<string> installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", name)).Where(File.Exists).OrderDescending(StringComparer.Ordinal)
            : [];
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Select(d => Path.Combine(d, name)).Where(File.Exists);
        return installed.Concat(onPath).FirstOrDefault()
            ?? throw new InvalidOperationException($"{name} is not installed (looked in /usr/lib/postgresql/*/bin and on PATH).");
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing its connections first.</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        NpgsqlConnection.ClearAllPools();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var admin = NpgsqlDataSource.Create(ConnectionString!);
        await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>A theory data row <c>"postgres"</c> that skips, with the reason, when no PostgreSQL server is configured.</summary>
public sealed class PostgresDataAttribute : DataAttribute
{
    public PostgresDataAttribute() => Skip = PostgresServer.SkipReason;

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [["postgres"]];
}

/// <summary>A fact that needs PostgreSQL: skips with the reason when no server is configured (never under CI).</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute() => Skip = PostgresServer.SkipReason;
}
