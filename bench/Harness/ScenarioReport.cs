namespace Concord.Bench.Harness;

/// <summary>Everything one scenario measured: named figures, tables for people, target checks and notes.</summary>
public sealed class ScenarioReport(string scenario)
{
    public string Scenario => scenario;

    public List<Figure> Figures { get; } = [];

    public List<Table> Tables { get; } = [];

    public List<TargetCheck> Targets { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Files written next to the <c>--json</c> output (a chart), by name.</summary>
    public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);

    public string? Error { get; set; }

    public TimeSpan Elapsed { get; set; }

    /// <summary>Records a figure; the key is stable for the JSON output, the unit is for people.</summary>
    public double Add(string key, double value, string unit)
    {
        Figures.Add(new Figure(key, value, unit));
        return value;
    }

    public Table AddTable(string title, params string[] columns)
    {
        var table = new Table(title, columns);
        Tables.Add(table);
        return table;
    }

    /// <summary>Compares a measured figure with a goal (issues #7 and #15). Only reported, never asserted.</summary>
    public void Target(string name, double measured, string comparison, double goal, string unit)
    {
        var met = comparison switch
        {
            ">=" => measured >= goal,
            "<=" => measured <= goal,
            _ => throw new ArgumentException($"unknown comparison '{comparison}'", nameof(comparison)),
        };
        Targets.Add(new TargetCheck(name, measured, comparison, goal, unit, met));
    }

    public void Note(string text) => Notes.Add(text);
}

public sealed record Figure(string Key, double Value, string Unit);

public sealed record TargetCheck(string Name, double Measured, string Comparison, double Goal, string Unit, bool Met);

public sealed class Table(string title, string[] columns)
{
    public string Title => title;

    public string[] Columns => columns;

    public List<string[]> Rows { get; } = [];

    public Table Row(params object[] cells)
    {
        if (cells.Length != columns.Length)
        {
            throw new ArgumentException($"table '{title}' has {columns.Length} columns, the row has {cells.Length}");
        }

        Rows.Add([.. cells.Select(Format.Cell)]);
        return this;
    }
}
