using Npgsql;

namespace Concord.Storage.Postgres;

/// <summary>Small builders shared by Concord's PostgreSQL stores.</summary>
internal static class NpgsqlCommands
{
    /// <summary>A batch command with positional parameters (<c>$1</c>, <c>$2</c>, ...) in order.</summary>
    public static NpgsqlBatchCommand Batch(string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }
}
