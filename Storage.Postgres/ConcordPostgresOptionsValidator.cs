using Concord.Grains.Interfaces.Errors;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Concord.Storage.Postgres;

/// <summary>Stops the silo at start-up, naming the problem, when the PostgreSQL options cannot work.</summary>
internal sealed class ConcordPostgresOptionsValidator(IOptions<ConcordPostgresOptions> options) : IConfigurationValidator
{
    public void ValidateConfiguration() => Validate(options.Value);

    /// <exception cref="ConcordConfigurationException">The connection string is missing, unreadable, or names no host or database.</exception>
    public static void Validate(ConcordPostgresOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ConcordConfigurationException("ConcordPostgresOptions.ConnectionString is required: the region's database, for example \"Host=127.0.0.1;Database=concord_eu;Username=concord\".");
        }

        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ConcordConfigurationException($"ConcordPostgresOptions.ConnectionString is not an Npgsql connection string: {ex.Message}");
        }

        if (string.IsNullOrWhiteSpace(parsed.Host))
        {
            throw new ConcordConfigurationException("ConcordPostgresOptions.ConnectionString names no Host.");
        }

        if (string.IsNullOrWhiteSpace(parsed.Database))
        {
            throw new ConcordConfigurationException("ConcordPostgresOptions.ConnectionString names no Database: each region needs a database of its own.");
        }
    }
}
