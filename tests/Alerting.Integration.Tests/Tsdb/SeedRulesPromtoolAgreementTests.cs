using System.Globalization;
using System.Text;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Core.Rules;
using Alerting.Core.Tests;
using Alerting.Core.Tests.Rules;
using Alerting.Core.Tsdb;
using Alerting.StoreBench;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Integration.Tests.Tsdb;

/// <summary>A fact that runs the reference promtool; skipped, saying so, where it is not installed.</summary>
public sealed class PromtoolFactAttribute : FactAttribute
{
    public PromtoolFactAttribute()
    {
        if (!Promtool.Available)
        {
            Skip = "promtool not found (install Debian's prometheus package to compare with the reference)";
        }
    }
}

/// <summary>
/// The seed rule files over a day of a small fleet's history, read through the store as the function app
/// reads it (ticks on Azurite, compacted into 2-hour blocks and merged, the head of the rules' series),
/// against Debian's promtool on the same series: every alert of every seed rule, firing or not, with its
/// labels and annotations, agrees at every hour, the 1-hour and 24-hour ranges included.
/// </summary>
public sealed class SeedRulesPromtoolAgreementTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly string[] RuleFiles =
    [
        Path.Combine(TestPaths.RepoRoot, "rules", "tests", "ha-trading.fixed.yml"),
        Path.Combine(TestPaths.RepoRoot, "rules", "multi-machine.rules.yml"),
        Path.Combine(TestPaths.RepoRoot, "rules", "virtengine.rules.yml"),
    ];

    [PromtoolFact]
    public async Task Every_seed_alert_over_a_day_of_history_agrees_with_promtool()
    {
        var fleet = new SeedFleet(machines: 4, seriesPerMachine: 0, step: TimeSpan.FromMinutes(1), duration: TimeSpan.FromHours(24));
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var h = await StoreHarness.StartAsync(azurite.Azurite, time, new Dictionary<string, string?>
        {
            ["Alerting:Tsdb:BlockDuration"] = "02:00:00",
            ["Alerting:Tsdb:CompactionDelay"] = "01:00:00",
            ["Alerting:Tsdb:MaxLevel"] = "3",
            ["Alerting:Tsdb:DeleteGrace"] = "00:10:00",
        });
        var files = RuleFiles.Select(RuleFileLoader.Load).ToArray();
        var groups = files.SelectMany(f => f.Groups).ToArray();
        var alertNames = groups.SelectMany(g => g.Rules.OfType<AlertingRule>()).Select(r => r.Alert).ToArray();
        var selection = SeriesSelection.Of(RuleRetention.Selectors(files));
        var retention = RuleRetention.Required(files, time.GetUtcNow(), TimeSpan.Zero);
        var evaluator = new RuleGroupEvaluator(new PromQlEngine());
        var state = groups.Select(_ => (IReadOnlyList<ActiveAlert>)[]).ToArray();
        var checks = new List<(TimeSpan At, IReadOnlyList<ActiveAlert> Firing)>();
        var evalStep = TimeSpan.FromMinutes(3);
        var nextTick = 0;
        for (var at = TimeSpan.Zero; at <= TimeSpan.FromHours(24); at += evalStep)
        {
            time.SetUtcNow(DateTimeOffset.UnixEpoch + at);
            for (; nextTick <= fleet.Steps && nextTick * fleet.Step <= at; nextTick++)
            {
                await h.Log.WriteAsync(fleet.Tick(nextTick, 0), CancellationToken.None);
            }
            if (at.Ticks % TimeSpan.FromMinutes(30).Ticks == 0)
            {
                await h.Compactor.RunAsync(retention, CancellationToken.None);
            }
            var querier = await h.Samples.QuerierAsync(selection, CancellationToken.None);
            for (var g = 0; g < groups.Length; g++)
            {
                var result = evaluator.Evaluate(groups[g], querier, time.GetUtcNow(), state[g], RuleEvaluationContext.Default);
                Assert.All(result.Health, r => Assert.True(r.Health == RuleHealth.Ok, $"{r.Rule} at {at}: {r.LastError}"));
                state[g] = result.State;
            }
            // Checked every 21 minutes, so hour-long incidents are seen while they fire.
            if (at > TimeSpan.Zero && at.Ticks % TimeSpan.FromMinutes(21).Ticks == 0)
            {
                checks.Add((at, [.. state.SelectMany(s => s).Where(a => a.State == AlertState.Firing)]));
            }
        }

        // The store really was blocks plus head: a day of 2-hour blocks, merged.
        var manifest = (await h.Manifests.ReadAsync(CancellationToken.None)).Manifest;
        Assert.True(manifest.Blocks.Count >= 2 && manifest.Blocks.Any(b => b.Level > 1), $"{manifest.Blocks.Count} blocks");
        // And the long-range alerts had something to say: the 24h SLO fires late in the day, not right after 8h.
        Assert.DoesNotContain(checks.Single(c => c.At == TimeSpan.FromMinutes(651)).Firing, a => a.Rule == "SLOOrderMatchingSuccess");
        Assert.Contains(checks.Single(c => c.At == TimeSpan.FromMinutes(840)).Firing, a => a.Rule == "SLOOrderMatchingSuccess");

        using var dir = new TempDir();
        foreach (var f in RuleFiles)
        {
            File.Copy(f, Path.Combine(dir.Path, Path.GetFileName(f)));
        }
        var test = PromtoolTestFile(fleet, checks, alertNames, evalStep);
        dir.Write("agreement.test.yml", test);
        var (exit, stdout, stderr) = Promtool.Run(dir.Path, "test", "rules", "agreement.test.yml");
        Assert.True(exit == 0, $"promtool disagrees:\n{stdout}\n{stderr}");
        // Sanity: the test asserted firing alerts of most seed rules at some hour.
        var fired = checks.SelectMany(c => c.Firing).Select(a => a.Rule).ToHashSet(StringComparer.Ordinal);
        Assert.True(fired.Count >= 22, $"{fired.Count} of {alertNames.Length} alerts fired at some check; never: {string.Join(", ", alertNames.Where(n => !fired.Contains(n)))}");
    }

    private static string PromtoolTestFile(SeedFleet fleet, List<(TimeSpan At, IReadOnlyList<ActiveAlert> Firing)> checks, string[] alertNames, TimeSpan evalStep)
    {
        var sb = new StringBuilder();
        sb.Append("rule_files:\n");
        foreach (var f in RuleFiles)
        {
            sb.Append("  - ").Append(Path.GetFileName(f)).Append('\n');
        }
        sb.Append("evaluation_interval: ").Append((int)evalStep.TotalMinutes).Append("m\ntests:\n  - interval: ").Append((int)fleet.Step.TotalMinutes).Append("m\n    input_series:\n");
        fleet.WritePromtoolSeries(sb, "      ");
        sb.Append("    alert_rule_test:\n");
        foreach (var (at, firing) in checks)
        {
            foreach (var name in alertNames)
            {
                sb.Append("      - eval_time: ").Append((int)at.TotalMinutes).Append("m\n        alertname: ").Append(name).Append('\n');
                var alerts = firing.Where(a => a.Rule == name).ToArray();
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
                        sb.Append("              ").Append(l.Name).Append(": ").Append(Quote(l.Value)).Append('\n');
                    }
                    sb.Append("            exp_annotations:\n");
                    foreach (var l in a.Annotations)
                    {
                        sb.Append("              ").Append(l.Name).Append(": ").Append(Quote(l.Value)).Append('\n');
                    }
                }
            }
        }
        return sb.ToString();
    }

    /// <summary>A YAML double-quoted scalar (newlines kept, unlike single quotes which fold them).</summary>
    private static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                _ => c < ' ' ? string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}") : c.ToString(),
            });
        }
        return sb.Append('"').ToString();
    }
}
