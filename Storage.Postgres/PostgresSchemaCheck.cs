using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Concord.Storage.Postgres;

/// <summary>
/// Refuses to start a silo on a database without Concord's schema, or with another version of it. It runs first in
/// the silo's lifecycle, before Orleans' own providers touch the database.
/// </summary>
internal sealed partial class PostgresSchemaCheck(NpgsqlDataSource dataSource, IOptions<ConcordPostgresOptions> options, ILogger<PostgresSchemaCheck> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(nameof(PostgresSchemaCheck), ServiceLifecycleStage.First, CheckAsync);

    private string DatabaseName => new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Database ?? "(default database)";

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.RequireCurrentSchema)
        {
            LogNotChecked(DatabaseName);
            return;
        }

        await PostgresSchema.EnsureCurrentAsync(dataSource, cancellationToken);
        LogChecked(DatabaseName, PostgresSchema.CurrentVersion);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL database {Database} holds Concord schema version {Version}.")]
    private partial void LogChecked(string database, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL database {Database}: the schema version is not checked (RequireCurrentSchema is off).")]
    private partial void LogNotChecked(string database);
}
