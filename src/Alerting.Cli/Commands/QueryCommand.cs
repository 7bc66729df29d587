using System.CommandLine;
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
    public IReadOnlyList<string> Parents { get; } = [];

    public Command Create()
    {
        var file = new Option<FileInfo>("--file") { Description = "series in the PromQL test scripts' load format", Required = true };
        file.AcceptExistingOnly();
        var time = new Option<string>("--time") { Description = "evaluation time of an instant query (5m, seconds or RFC 3339); default 0" };
        var start = new Option<string>("--start") { Description = "start of a range query" };
        var end = new Option<string>("--end") { Description = "end of a range query (default: --start)" };
        var step = new Option<string>("--step") { Description = "step of a range query", DefaultValueFactory = _ => "1m" };
        var query = new Argument<string>("expr") { Description = "the PromQL expression" };
        var command = new Command("query", "evaluate a PromQL expression over series in load format") { file, time, start, end, step, query };
        command.Validators.Add(r =>
        {
            if (r.GetValue(time) is not null && r.GetValue(start) is not null)
            {
                r.AddError("--time and --start cannot be used together");
            }
        });
        command.SetAction(async (result, ct) =>
        {
            try
            {
                var store = LoadFormat.Read(await File.ReadAllTextAsync(result.GetValue(file)!.FullName, ct).ConfigureAwait(false));
                var expr = PromQlParser.Parse(result.GetValue(query)!);
                var engine = new PromQlEngine();
                var startText = result.GetValue(start);
                var value = startText is not null
                    ? engine.Range(expr, store, Time(startText), Time(result.GetValue(end) ?? startText), PromQlTestRunner.ParseTime(result.GetValue(step)!), ct)
                    : engine.Instant(expr, store, Time(result.GetValue(time) ?? "0"), ct);
                Print(value, result.Out());
                return 0;
            }
            catch (Exception ex) when (ex is PromQlParseException or PromQlEvaluationException or FormatException or IOException)
            {
                await result.Err().WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return 1;
            }
        });
        return command;
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
