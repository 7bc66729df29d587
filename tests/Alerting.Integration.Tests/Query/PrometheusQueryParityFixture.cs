using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Alerting.Core.Model;
using Alerting.Core.Rules;
using Alerting.Core.Tsdb.Wal;
using Alerting.Core.Tests;
using Alerting.Core.Tests.Rules;
using Alerting.Functions.Tsdb;
using Alerting.Integration.Tests.Infrastructure;
using Alerting.StoreBench;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.Integration.Tests.Query;

[CollectionDefinition(Name)]
public sealed class PrometheusQueryCollection : ICollectionFixture<PrometheusQueryParityFixture>
{
    public const string Name = "prometheus-query-parity";
}

/// <summary>
/// The same two hours of a small seed fleet (four machines, the seeds' metrics) in our store (scrape
/// ticks on Azurite, read by the running function app) and in a real Prometheus 2.42 (backfilled from an
/// OpenMetrics export of the same samples with <c>promtool tsdb create-blocks-from openmetrics</c>). No
/// series disappears in these two hours, so neither side needs staleness markers the export cannot carry.
/// </summary>
public sealed partial class PrometheusQueryParityFixture : IAsyncLifetime
{
    public const string Token = "grafana-query-token";

    private ExternalProcess? _prometheus;

    public AlertingStack Stack { get; private set; } = null!;

    /// <summary>The data's start (t = 1 h of the seed fleet's day; the first sample is 7 s later).</summary>
    public long StartMs { get; private set; }

    /// <summary>The data's end (the last sample is 7 s later).</summary>
    public long EndMs { get; private set; }

    /// <summary>promtool's server URL for us: the token prefix, the token as basic-auth password.</summary>
    public string OursUrl => $"http://grafana:{Token}@{Stack.Host.BaseAddress.Authority}/api/prometheus";

    public string PrometheusUrl { get; private set; } = string.Empty;

    public HttpClient Ours { get; private set; } = null!;

    public HttpClient Prometheus { get; private set; } = null!;

    public string? SkipReason { get; private set; }

    public static bool PrometheusInstalled => File.Exists("/usr/bin/prometheus") && Promtool.Available;

    public async Task InitializeAsync()
    {
        if (!PrometheusInstalled)
        {
            SkipReason = "prometheus/promtool not installed (Debian's prometheus package)";
            return;
        }
        Stack = await AlertingStack.StartAsync([], settings: new Dictionary<string, string?>
        {
            ["Alerting:QueryToken"] = Token,
            ["Alerting:RuleFiles"] = string.Join(';', RuleFiles),
        });
        var fleet = new SeedFleet(machines: 4, seriesPerMachine: 0, step: TimeSpan.FromSeconds(15), duration: TimeSpan.FromHours(3));
        var now = Stack.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var baseMs = now - (long)TimeSpan.FromHours(4).TotalMilliseconds;
        // Scrapes are never exactly on the query's steps: samples 7 s after the minute, so no sample sits
        // on a range's boundary (where Prometheus 2.42's closed ranges and 3.x's left-open ones differ).
        var origin = baseMs + 7_000;
        const int first = 240, last = 720;
        StartMs = baseMs + (first * 15_000L);
        EndMs = baseMs + (last * 15_000L);
        var log = Stack.Host.Services.GetRequiredService<ScrapeTickStore>();
        var om = new StringBuilder();
        var byFamily = new SortedDictionary<string, SortedDictionary<string, List<(long T, double V)>>>(StringComparer.Ordinal);
        for (var step = first; step <= last; step++)
        {
            var tick = WithAlerts(fleet.Tick(step, origin), step, last);
            await log.WriteAsync(tick, CancellationToken.None);
            foreach (var s in tick.Targets.SelectMany(t => t.Samples))
            {
                var name = s.Labels[Labels.MetricName];
                if (!byFamily.TryGetValue(name, out var family))
                {
                    family = new SortedDictionary<string, List<(long, double)>>(StringComparer.Ordinal);
                    byFamily[name] = family;
                }
                var key = SeriesText(s.Labels);
                if (!family.TryGetValue(key, out var points))
                {
                    points = [];
                    family[key] = points;
                }
                points.Add((s.TimestampMs, s.Value));
            }
        }
        foreach (var family in byFamily.Values)
        {
            foreach (var (series, points) in family)
            {
                foreach (var (t, v) in points)
                {
                    om.Append(series).Append(' ').Append(v.ToString("R", CultureInfo.InvariantCulture)).Append(' ')
                        .Append((t / 1000.0).ToString("0.000", CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }
        om.Append("# EOF\n");

        var dir = Directory.CreateTempSubdirectory("prom-query-parity-").FullName;
        var omFile = Path.Combine(dir, "data.om");
        await File.WriteAllTextAsync(omFile, om.ToString());
        var data = Path.Combine(dir, "data");
        var (exit, _, stderr) = Promtool.Run(dir, "tsdb", "create-blocks-from", "openmetrics", omFile, data);
        if (exit != 0)
        {
            throw new InvalidOperationException($"promtool backfill failed: {stderr}");
        }
        var config = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, "global:\n  evaluation_interval: 1m\n");
        (_prometheus, var ports) = await ExternalProcess.StartListeningAsync(1, ports => ExternalProcess.Start("prometheus", $"--config.file={config}",
            $"--storage.tsdb.path={data}", $"--web.listen-address=127.0.0.1:{ports[0]}", "--storage.tsdb.retention.time=30d", "--log.level=warn"));
        var port = ports[0];
        PrometheusUrl = $"http://127.0.0.1:{port}";
        Prometheus = new HttpClient { BaseAddress = new Uri(PrometheusUrl + "/") };
        await Eventually.UntilAsync("Prometheus to become ready", async () =>
        {
            using var ready = await Prometheus.GetAsync("-/ready");
            return ready.IsSuccessStatusCode;
        }, TimeSpan.FromMinutes(2), poll: TimeSpan.FromMilliseconds(200));
        Ours = new HttpClient { BaseAddress = new Uri(Stack.Host.BaseAddress, "api/prometheus/") };
        Ours.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
    }

    public async Task DisposeAsync()
    {
        Ours?.Dispose();
        Prometheus?.Dispose();
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }
    }

    public static readonly string[] RuleFiles =
    [
        Path.Combine(TestPaths.RepoRoot, "rules", "tests", "ha-trading.fixed.yml"),
        Path.Combine(TestPaths.RepoRoot, "rules", "multi-machine.rules.yml"),
        Path.Combine(TestPaths.RepoRoot, "rules", "virtengine.rules.yml"),
    ];

    /// <summary>
    /// Every PromQL expression of the seeds' Grafana dashboards (their <c>"expr"</c> fields, without the
    /// ones using Grafana template variables) and of the seed rule files.
    /// </summary>
    public static IReadOnlyList<string> SeedExpressions()
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var seed in Directory.GetFiles(TestPaths.Seeds))
        {
            foreach (Match m in DashboardExpr().Matches(File.ReadAllText(seed)))
            {
                var expr = System.Text.Json.JsonSerializer.Deserialize<string>("\"" + m.Groups[1].Value + "\"")!;
                if (!expr.Contains('$', StringComparison.Ordinal) && IsPromQl(expr))
                {
                    result.Add(expr.Trim());
                }
            }
        }
        foreach (var rule in RuleFiles.Select(RuleFileLoader.Load).SelectMany(f => f.Groups).SelectMany(g => g.Rules))
        {
            result.Add(rule.ExprText.Trim());
        }
        return [.. result];
    }

    private static bool IsPromQl(string expr)
    {
        try
        {
            return Alerting.Core.PromQL.PromQlParser.Parse(expr).Type is Alerting.Core.PromQL.PromQlValueType.Vector or Alerting.Core.PromQL.PromQlValueType.Scalar;
        }
        catch (Alerting.Core.PromQL.PromQlParseException)
        {
            return false;
        }
    }

    /// <summary>
    /// The seed 000 dashboard's annotation reads <c>ALERTS{alertname="HighFilterErrorRate", alertstate="firing"}</c>:
    /// the fixture adds those series as an evaluation would write them (value 1 while the alert is in that
    /// state). Machine 3's alert fires throughout, machine 1's starts firing 20 minutes into the last hour, and
    /// machine 2's stays pending. A series only appears, never disappears, so no staleness marker is needed.
    /// </summary>
    private static ScrapeTick WithAlerts(ScrapeTick tick, int step, int last)
    {
        var alerts = new List<(int Machine, string State)> { (3, "firing"), (2, "pending") };
        if (step >= last - 160)
        {
            alerts.Add((1, "firing"));
        }
        var targets = tick.Targets.Select(t =>
        {
            var extra = alerts.Where(a => SeedFleet.Instance(a.Machine) == t.Instance).Select(a => new CollectedSample(Labels.From(
                (Labels.MetricName, "ALERTS"), ("alertname", "HighFilterErrorRate"), ("alertstate", a.State),
                ("instance", t.Instance), ("job", SeedFleet.Job), ("severity", "warning")), 1, tick.TimestampMs));
            return t with { Samples = [.. t.Samples, .. extra] };
        });
        return tick with { Targets = [.. targets] };
    }

    private static string SeriesText(Labels labels) =>
        labels[Labels.MetricName] + "{" + string.Join(",", labels.Where(l => l.Name != Labels.MetricName).Select(l => $"{l.Name}=\"{Labels.Escape(l.Value)}\"")) + "}";

    [GeneratedRegex("\"expr\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex DashboardExpr();
}
