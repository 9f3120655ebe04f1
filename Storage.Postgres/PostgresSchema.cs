using System.Reflection;
using Concord.Grains.Interfaces.Errors;
using Npgsql;

namespace Concord.Storage.Postgres;

/// <summary>
/// Concord's PostgreSQL schema: ordered migration scripts embedded in this library. <see cref="MigrateAsync"/> applies the
/// missing ones; <see cref="EnsureCurrentAsync"/> refuses a database whose schema is missing or from another version.
/// </summary>
public static class PostgresSchema
{
    /// <summary>The migration scripts, in order. The schema version is the number applied.</summary>
    private static readonly string[] Scripts = [.. typeof(PostgresSchema).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("Concord.Schema.", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)];

    /// <summary>The schema version this build of the silo runs on.</summary>
    public static int CurrentVersion => Scripts.Length;

    // Any constant works; it only keeps two migrations of one database from interleaving.
    private const long MigrationLockKey = 0x436f6e636f7264;

    /// <summary>Creates or upgrades the schema. Idempotent; safe to run while another migration runs (it waits).</summary>
    public static async Task<MigrationResult> MigrateAsync(NpgsqlDataSource dataSource, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
        await ExecuteAsync(
            connection,
            "CREATE TABLE IF NOT EXISTS concord_schema_version (version integer PRIMARY KEY, script text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
            cancellationToken);
        var before = await ReadVersionAsync(connection, cancellationToken) ?? 0;
        if (before > CurrentVersion)
        {
            throw new ConcordConfigurationException($"The database's Concord schema is version {before}, newer than this silo's {CurrentVersion}. Upgrade the silo; nothing was changed.");
        }

        for (var version = before + 1; version <= CurrentVersion; version++)
        {
            var name = Scripts[version - 1]["Concord.Schema.".Length..];
            progress?.Invoke($"applying {name} (schema version {version})");
            await ExecuteAsync(connection, ReadScript(Scripts[version - 1]), cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO concord_schema_version (version, script) VALUES ($1, $2)", connection);
            record.Parameters.Add(new NpgsqlParameter { Value = version });
            record.Parameters.Add(new NpgsqlParameter { Value = name });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new MigrationResult(before, CurrentVersion);
    }

    /// <summary>Throws <see cref="ConcordConfigurationException"/> unless the database holds exactly this silo's schema version.</summary>
    public static async Task EnsureCurrentAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        int? version;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            version = await ReadVersionAsync(connection, cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            throw new ConcordConfigurationException($"Cannot reach the region's database: {ex.Message}");
        }

        if (version is null)
        {
            throw new ConcordConfigurationException(
                "The database has no Concord schema. Create it with: dotnet run --project Silo -- migrate --connection \"...\"");
        }

        if (version < CurrentVersion)
        {
            throw new ConcordConfigurationException(
                $"The database's Concord schema is version {version}; this silo needs version {CurrentVersion}. Upgrade it with: dotnet run --project Silo -- migrate --connection \"...\"");
        }

        if (version > CurrentVersion)
        {
            throw new ConcordConfigurationException(
                $"The database's Concord schema is version {version}, newer than this silo's {CurrentVersion}. Run a silo of the same or a newer release.");
        }
    }

    private static async Task<int?> ReadVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('concord_schema_version') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return null;
            }
        }

        await using var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM concord_schema_version", connection);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string ReadScript(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The silo was built without its schema script {resource}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>What a migration did: the schema version before and after.</summary>
public sealed record MigrationResult(int FromVersion, int ToVersion)
{
    public bool Changed => FromVersion != ToVersion;
}
