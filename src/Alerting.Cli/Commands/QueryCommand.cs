using System.Globalization;
using Alerting.Core.PromQL;
using Alerting.Tooling.PromQL;

namespace Alerting.Cli.Commands;

/// <summary>
/// `alerting query --file series.txt 'expr' [--time T | --start T --end T --step D]`: evaluates PromQL
/// over series written in the test-script load format (samples start at time 0). Times are durations
/// from 0 (5m), seconds, or RFC 3339.
/// </summary>
public sealed class QueryCommand : ICliCommand
{
    public IReadOnlyList<string> Verb { get; } = ["query"];

    public string Summary => "evaluate a PromQL expression over series in load format (--file, --time or --start/--end/--step)";

    public async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        string? file = null, query = null, time = null, start = null, end = null, step = null;
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--file": file = Next(); break;
                    case "--time": time = Next(); break;
                    case "--start": start = Next(); break;
                    case "--end": end = Next(); break;
                    case "--step": step = Next(); break;
                    default: query = args[i]; break;
                }
            }
            catch (ArgumentException ex)
            {
                await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return 2;
            }
        }
        if (file is null || query is null)
        {
            await stderr.WriteLineAsync("usage: alerting query --file series.txt 'expr' [--time T | --start T --end T --step D]").ConfigureAwait(false);
            return 2;
        }
        try
        {
            var store = LoadFormat.Read(await File.ReadAllTextAsync(file, ct).ConfigureAwait(false));
            var expr = PromQlParser.Parse(query);
            var engine = new PromQlEngine();
            var result = start is not null
                ? engine.Range(expr, store, Time(start), Time(end ?? start), PromQlTestRunner.ParseTime(step ?? "1m"), ct)
                : engine.Instant(expr, store, Time(time ?? "0"), ct);
            Print(result, stdout);
            return 0;
        }
        catch (Exception ex) when (ex is PromQlParseException or PromQlEvaluationException or FormatException or IOException)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>A test-script time (50m, 0, seconds) or an RFC 3339 timestamp.</summary>
    private static long Time(string text) =>
        text.Contains('T', StringComparison.Ordinal) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUnixTimeMilliseconds()
            : PromQlTestRunner.ParseTime(text);

    private static string F(double v) => Expr.FormatNumber(v) switch
    {
        "Inf" => "+Inf",
        var s => s,
    };

    private static void Print(QueryValue result, TextWriter stdout)
    {
        switch (result)
        {
            case ScalarValue s:
                stdout.WriteLine(F(s.Value));
                break;
            case StringValue s:
                stdout.WriteLine(s.Value);
                break;
            case VectorValue v:
                foreach (var s in v.Samples)
                {
                    stdout.WriteLine($"{s.Labels} {F(s.Value)}");
                }
                break;
            case MatrixValue m:
                foreach (var s in m.Series)
                {
                    var points = string.Join(" ", s.Samples.Select(p => F(p.Value) + "@" + (p.TimestampMs / 1000.0).ToString(CultureInfo.InvariantCulture)));
                    stdout.WriteLine($"{s.Labels} {points}");
                }
                break;
        }
    }
}
