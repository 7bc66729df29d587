using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Alerting.Core.FanOut;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Core.Remote;
using Alerting.Core.Rules;
using Alerting.Functions.Remote;

namespace Alerting.StoreBench;

/// <summary>
/// Rule evaluation against a remote datasource (issue 12), next to the datasource evaluating the same rules
/// itself. Prometheus 2.42 holds the prepared data and evaluates the seed rule files on its own schedule;
/// once it has done three rounds with all the data in, we evaluate the same files with that Prometheus as
/// our datasource (<c>RemoteDatasources.Create</c> and <c>RemoteQuerier</c>, as the app does: one POST
/// <c>/api/v1/query</c> per rule) at the timestamps of its own last three rounds, the first one with
/// <c>ALERTS_FOR_STATE</c> restore as a fresh instance does. Our alerts after the last round must equal its
/// <c>/api/v1/rules</c> alerts (labels, state, activeAt to the second).
/// </summary>
internal static class RemoteEval
{
    private const int Rounds = 3;

    public static async Task RunAsync(string dir)
    {
        await using var prometheus = await LoadedPrometheus.StartAsync(dir);
        // One round more than we replay: the round under way when the data finished arriving counts too,
        // and it may have read a partly loaded head.
        await prometheus.WaitForRoundsAsync(Rounds + 1);
        var durations = await PrometheusRun.SeriesAsync(prometheus.Http, "prometheus_rule_group_last_duration_seconds");
        // One snapshot of its groups: when each last evaluated and the alerts that evaluation left.
        using var rules = JsonDocument.Parse(await prometheus.Http.GetStringAsync("api/v1/rules"));
        var theirs = rules.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray().ToDictionary(
            g => (g.GetProperty("file").GetString()!, g.GetProperty("name").GetString()!),
            g => (Last: DateTimeOffset.Parse(g.GetProperty("lastEvaluation").GetString()!, CultureInfo.InvariantCulture),
                Alerts: g.GetProperty("rules").EnumerateArray().Where(r => r.GetProperty("type").GetString() == "alerting")
                    .SelectMany(r => r.GetProperty("alerts").EnumerateArray()).Select(a => Describe(
                        Labels.From(a.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!)),
                        a.GetProperty("state").GetString()!,
                        DateTimeOffset.Parse(a.GetProperty("activeAt").GetString()!, CultureInfo.InvariantCulture))).ToHashSet(StringComparer.Ordinal)));

        var groups = Layout.RuleFiles.Select(RuleFileLoader.Load).SelectMany(f => f.Groups).ToArray();
        var datasource = new DatasourceConfig { Name = "prometheus", Url = new Uri($"http://127.0.0.1:{prometheus.Port}/") };
        var (remote, clients) = RemoteDatasources.Create(datasource, TimeProvider.System);
        using var owned = clients;
        var counting = new CountingQuerier(remote);
        var evaluator = new RuleGroupEvaluator(new PromQlEngine());
        // No outage to bridge: we evaluate at its own timestamps, so the restored ActiveAt is taken as it is.
        var restore = new ForStateRestoreOptions { OutageTolerance = TimeSpan.FromHours(1), ForGracePeriod = TimeSpan.Zero };
        var state = groups.Select(_ => (IReadOnlyList<ActiveAlert>)[]).ToArray();
        var ticks = new List<(double Seconds, long Queries, long RestoreQueries)>();
        var perGroup = groups.Select(_ => new List<double>()).ToArray();
        for (var k = 0; k < Rounds; k++)
        {
            var queries0 = counting.Count;
            long restoreQueries = 0;
            var tick = Stopwatch.StartNew();
            for (var g = 0; g < groups.Length; g++)
            {
                var group = groups[g];
                var last = theirs[(group.File, group.Name)].Last;
                var ts = EvaluationPlanner.Slot(group.File, group.Name, group.Interval, last) - ((Rounds - 1 - k) * group.Interval);
                var sw = Stopwatch.StartNew();
                var result = evaluator.Evaluate(group, counting, ts, state[g], Alerting.Core.Rules.RuleEvaluationContext.Default);
                if (k == 0)
                {
                    var before = counting.Count;
                    result = ForStateRestore.Restore(group, result, ts, counting, restore);
                    restoreQueries += counting.Count - before;
                }
                perGroup[g].Add(sw.Elapsed.TotalSeconds);
                state[g] = result.State;
                foreach (var h in result.Health.Where(h => h.Health == RuleHealth.Err))
                {
                    Console.WriteLine($"  rule {h.Rule}: {h.LastError}");
                }
            }
            ticks.Add((tick.Elapsed.TotalSeconds, counting.Count - queries0, restoreQueries));
            Console.WriteLine($"ours, round {k}: {tick.Elapsed.TotalSeconds:0.000} s, {counting.Count - queries0} queries ({restoreQueries} of them ALERTS_FOR_STATE restore)");
        }

        Console.WriteLine();
        for (var g = 0; g < groups.Length; g++)
        {
            var key = $"rule_group=\"{groups[g].File};{groups[g].Name}\"";
            var their = durations.Where(d => d.Group.Contains(key, StringComparison.Ordinal)).Sum(d => d.Seconds);
            Console.WriteLine($"  {groups[g].Name}: ours {perGroup[g].Skip(1).DefaultIfEmpty(perGroup[g][0]).Average():0.000} s (steady), Prometheus {their:0.000} s");
        }
        var steady = ticks.Skip(1).ToArray();
        var ourSeconds = steady.Average(t => t.Seconds);
        var theirSeconds = durations.Sum(d => d.Seconds);
        var queries = steady.Average(t => (double)t.Queries);
        Console.WriteLine($"rule evaluation per round, all groups: ours {ourSeconds:0.000} s over {queries:0} queries ({queries / ourSeconds:0} queries/s, mean of rounds 1..{Rounds - 1}); " +
            $"first round {ticks[0].Seconds:0.000} s with {ticks[0].RestoreQueries} restore queries; Prometheus {theirSeconds:0.000} s (sum of prometheus_rule_group_last_duration_seconds); ratio {ourSeconds / theirSeconds:0.00}");
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");

        // Alerts must agree with what Prometheus' own last evaluation of each group left.
        var ours = groups.Select((g, i) => state[i].Where(a => a.State is AlertState.Pending or AlertState.Firing)
            .Select(a => Describe(a.Labels, a.State == AlertState.Firing ? "firing" : "pending", a.ActiveAt))).SelectMany(x => x).ToHashSet(StringComparer.Ordinal);
        var expected = theirs.Values.SelectMany(v => v.Alerts).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Except(ours).ToArray();
        var extra = ours.Except(expected).ToArray();
        Console.WriteLine($"alerts: Prometheus {expected.Count} ({expected.Count(a => a.Contains(" firing ", StringComparison.Ordinal))} firing), ours {ours.Count}; " +
            (missing.Length + extra.Length == 0 ? "identical" : $"{missing.Length} only in Prometheus, {extra.Length} only ours"));
        foreach (var a in missing.Take(10))
        {
            Console.WriteLine($"  only Prometheus: {a}");
        }
        foreach (var a in extra.Take(10))
        {
            Console.WriteLine($"  only ours: {a}");
        }
        if (missing.Length + extra.Length > 0)
        {
            Environment.ExitCode = 1;
        }
    }

    // ActiveAt to the second: ALERTS_FOR_STATE, where a restored alert's time comes from, holds whole seconds.
    private static string Describe(Labels labels, string state, DateTimeOffset activeAt) =>
        $"{labels} {state} {activeAt.ToUnixTimeSeconds()}";

    /// <summary>Counts the queries sent, restore included.</summary>
    private sealed class CountingQuerier(IRuleQuerier inner) : IRuleQuerier
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public QueryValue Instant(string query, Expr? parsed, long timeMs, CancellationToken ct)
        {
            Interlocked.Increment(ref _count);
            return inner.Instant(query, parsed, timeMs, ct);
        }
    }
}
