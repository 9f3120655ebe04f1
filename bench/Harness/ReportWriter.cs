using System.Text.Json;

namespace Concord.Bench.Harness;

/// <summary>Prints reports as tables for people and writes every figure as JSON.</summary>
public static class ReportWriter
{
    public static void Print(ScenarioReport report, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"== {report.Scenario} ({report.Elapsed.TotalSeconds:0.0} s){(report.Error is null ? string.Empty : " FAILED")}");
        foreach (var table in report.Tables)
        {
            PrintTable(table.Title, table.Columns, table.Rows, output);
        }

        if (report.Targets.Count > 0)
        {
            var rows = report.Targets.Select(t => new[] { t.Name, Format.Number(t.Measured) + " " + t.Unit, $"{t.Comparison} {Format.Number(t.Goal)} {t.Unit}", t.Met ? "met" : "MISSED" }).ToList();
            PrintTable("Targets (reported, never asserted)", ["target", "measured", "goal", "result"], rows, output);
        }

        foreach (var note in report.Notes)
        {
            output.WriteLine($"  note: {note}");
        }

        if (report.Error is not null)
        {
            output.WriteLine($"  error: {report.Error}");
        }
    }

    public static void PrintTable(string title, string[] columns, IReadOnlyList<string[]> rows, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"  {title}");
        var widths = columns.Select((c, i) => Math.Max(c.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        output.WriteLine("  | " + string.Join(" | ", columns.Select((c, i) => c.PadRight(widths[i]))) + " |");
        output.WriteLine("  | " + string.Join(" | ", widths.Select((w, i) => i == 0 ? new string('-', w) : new string('-', w - 1) + ":")) + " |");
        foreach (var row in rows)
        {
            output.WriteLine("  | " + string.Join(" | ", row.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))) + " |");
        }
    }

    public static async Task WriteJsonAsync(string path, BenchOptions options, MachineInfo machine, IReadOnlyList<ScenarioReport> reports)
    {
        var document = new
        {
            seed = options.Seed,
            quick = options.Quick,
            machine,
            scenarios = reports.Select(r => new
            {
                name = r.Scenario,
                elapsedSeconds = r.Elapsed.TotalSeconds,
                error = r.Error,
                figures = r.Figures.ToDictionary(f => f.Key, f => new { value = double.IsFinite(f.Value) ? f.Value : (double?)null, unit = f.Unit }),
                targets = r.Targets.Select(t => new { t.Name, measured = double.IsFinite(t.Measured) ? t.Measured : (double?)null, t.Comparison, t.Goal, t.Unit, t.Met }),
                tables = r.Tables.Select(t => new { t.Title, t.Columns, t.Rows }),
                notes = r.Notes,
            }),
        };
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, document, new JsonSerializerOptions { WriteIndented = true });
    }
}
