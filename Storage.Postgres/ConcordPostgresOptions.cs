namespace Concord.Storage.Postgres;

/// <summary>Where a region keeps its state on PostgreSQL. Validated when the silo starts.</summary>
public sealed class ConcordPostgresOptions
{
    /// <summary>The region's database, as an Npgsql connection string. Required; no default.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Refuse to start unless the database holds exactly this library's schema version (see
    /// <see cref="PostgresSchema.MigrateAsync"/>). Default true.
    /// </summary>
    public bool RequireCurrentSchema { get; set; } = true;

    /// <summary>
    /// Keep the region's Orleans membership in the database too, so that several silos form the region. Default
    /// true; turn it off when the host brings its own clustering (an Orleans test cluster, say).
    /// </summary>
    public bool UseForClustering { get; set; } = true;
}
