using System.Diagnostics;
using System.Globalization;
using System.Text;
using Alerting.Bench;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Core.Rules;

// dotnet run -c Release --project bench/Alerting.Bench -- rules [--machines 10000] [--minutes 60] [--promtool-out DIR]
// Evaluates rules/multi-machine.rules.yml every 30 s over the window (as `promtool test rules` does) and
// reports wall time, evaluations per second and peak memory. With --promtool-out it also writes the same
// input as a promtool unit-test file whose expected alerts are our own final answer.
if (args.Length == 0 || args[0] != "rules")
{
    Console.Error.WriteLine("usage: Alerting.Bench rules [--machines N] [--minutes M] [--promtool-out DIR] [--rules FILE]");
    return 2;
}
string? Opt(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
var machines = int.Parse(Opt("--machines") ?? "10000", CultureInfo.InvariantCulture);
var minutes = int.Parse(Opt("--minutes") ?? "60", CultureInfo.InvariantCulture);
var rulesPath = Opt("--rules") ?? FindUp("rules/multi-machine.rules.yml");
var step = TimeSpan.FromSeconds(30);
var steps = (int)(TimeSpan.FromMinutes(minutes) / step);

var load = Stopwatch.StartNew();
var fleet = new SeedFleetSeries(machines, steps, step);
var store = fleet.Load();
load.Stop();
Console.WriteLine($"loaded {store.SeriesCount:N0} series x {steps + 1} samples in {load.Elapsed.TotalSeconds:F1}s");

var file = RuleFileLoader.Load(rulesPath);
var group = file.Groups.Single();
var evaluator = new RuleGroupEvaluator(new PromQlEngine());
var state = (IReadOnlyList<ActiveAlert>)[];
var ctx = RuleEvaluationContext.Default;
var sw = Stopwatch.StartNew();
GroupEvaluation? last = null;
var origin = DateTimeOffset.UnixEpoch;
for (var s = 0; s <= steps; s++)
{
    var overlay = new MemorySeriesStore();
    last = evaluator.Evaluate(group, new CompositeSeriesSource(store, overlay), origin + (step * s), state, ctx);
    state = last.State;
    // ALERTS and recorded series are appended like a TSDB would keep them.
    foreach (var r in last.Recorded)
    {
        store.Append(r);
    }
}
sw.Stop();
var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;
var firing = state.Where(a => a.State == AlertState.Firing).ToArray();
Console.WriteLine($"evaluated {group.Rules.Count} rules x {steps + 1} steps in {sw.Elapsed.TotalSeconds:F2}s ({(steps + 1) / sw.Elapsed.TotalSeconds:F1} group evaluations/s); peak working set {peakMb:F0} MiB");
foreach (var g in firing.GroupBy(a => a.Rule))
{
    Console.WriteLine($"  firing {g.Key}: {g.Count()}");
}
foreach (var h in last!.Health.Where(h => h.Health != RuleHealth.Ok))
{
    Console.WriteLine($"  unhealthy {h.Rule}: {h.LastError}");
}

if (Opt("--promtool-out") is { } outDir)
{
    Directory.CreateDirectory(outDir);
    File.Copy(rulesPath, Path.Combine(outDir, "rules.yml"), overwrite: true);
    var sb = new StringBuilder();
    sb.Append("rule_files: [rules.yml]\nevaluation_interval: 30s\ntests:\n  - interval: 30s\n    input_series:\n");
    foreach (var (labels, start, inc) in fleet.Series())
    {
        var values = inc == 0 ? $"{Num(start)}x{steps}" : $"{Num(start)}+{Num(inc)}x{steps}";
        sb.Append("      - series: '").Append(labels.ToString().Replace("'", "''", StringComparison.Ordinal)).Append("'\n        values: '").Append(values).Append("'\n");
    }
    sb.Append("    alert_rule_test:\n");
    foreach (var rule in group.Rules.OfType<AlertingRule>())
    {
        sb.Append("      - eval_time: ").Append(minutes).Append("m\n        alertname: ").Append(rule.Alert).Append('\n');
        var alerts = firing.Where(a => a.Rule == rule.Alert).ToArray();
        if (alerts.Length == 0)
        {
            sb.Append("        exp_alerts: []\n");
            continue;
        }
        sb.Append("        exp_alerts:\n");
        foreach (var a in alerts)
        {
            sb.Append("          - exp_labels:\n");
            foreach (var l in a.Labels.Where(l => l.Name != "alertname"))
            {
                sb.Append("              ").Append(l.Name).Append(": '").Append(l.Value.Replace("'", "''", StringComparison.Ordinal)).Append("'\n");
            }
            sb.Append("            exp_annotations:\n");
            foreach (var l in a.Annotations)
            {
                sb.Append("              ").Append(l.Name).Append(": '").Append(l.Value.Replace("'", "''", StringComparison.Ordinal)).Append("'\n");
            }
        }
    }
    File.WriteAllText(Path.Combine(outDir, "bench.test.yml"), sb.ToString());
    Console.WriteLine($"wrote {Path.Combine(outDir, "bench.test.yml")}: time it with `promtool test rules bench.test.yml`");
}
return 0;

static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

static string FindUp(string relative)
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, relative);
        if (File.Exists(candidate))
        {
            return candidate;
        }
    }
    throw new FileNotFoundException(relative);
}
