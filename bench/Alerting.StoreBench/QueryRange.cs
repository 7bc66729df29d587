using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Core.Query;
using Alerting.Core.Tsdb;
using Alerting.LocalServices;

namespace Alerting.StoreBench;

/// <summary>
/// query_range of the seeds' Grafana dashboard expressions over the last hour of a seed fleet, 15 s
/// steps (Grafana's step for 1 h on a wide panel), our engine and store against Prometheus 2.42 on the
/// same samples (backfilled by <c>promtool tsdb create-blocks-from openmetrics</c>), same run. Ours is
/// timed in process (parse, evaluate over the head, JSON); Prometheus over loopback HTTP (its HTTP cost
/// is included, a fraction of a millisecond per request). Median of five rounds of all expressions.
/// </summary>
internal static partial class QueryRange
{
    public static async Task RunAsync(string dir, int machines, int series, string seedsDir)
    {
        var fleet = new SeedFleet(machines, series, TimeSpan.FromSeconds(15), TimeSpan.FromHours(1));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 60_000 * 60_000;
        var origin = now - (long)TimeSpan.FromHours(1).TotalMilliseconds;
        var head = new Head(SeriesSelection.All, (long)TimeSpan.FromHours(2).TotalMilliseconds);
        var om = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
        long samples = 0;
        for (var step = 0; step <= fleet.Steps; step++)
        {
            var tick = fleet.Tick(step, origin);
            head.Append(tick);
            foreach (var s in tick.Targets.SelectMany(t => t.Samples))
            {
                var name = s.Labels[Labels.MetricName];
                if (!om.TryGetValue(name, out var sb))
                {
                    sb = new StringBuilder();
                    om[name] = sb;
                }
                sb.Append(name).Append('{').Append(string.Join(",", s.Labels.Where(l => l.Name != Labels.MetricName).Select(l => $"{l.Name}=\"{Labels.Escape(l.Value)}\""))).Append("} ")
                    .Append(s.Value.ToString("R", CultureInfo.InvariantCulture)).Append(' ').Append((s.TimestampMs / 1000.0).ToString("0.000", CultureInfo.InvariantCulture)).Append('\n');
                samples++;
            }
        }
        var queries = DashboardQueries(seedsDir);
        Console.WriteLine($"{head.SeriesCount:N0} series, {samples:N0} samples over 1 h; {queries.Count} dashboard queries, query_range 1 h at 15 s");

        // OpenMetrics wants each family's samples together and each series' in time order.
        var omFile = Path.Combine(dir, "query-bench.om");
        await using (var w = new StreamWriter(omFile))
        {
            foreach (var sb in om.Values)
            {
                var lines = sb.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
                foreach (var line in lines.OrderBy(l => l[..l.LastIndexOf('}')], StringComparer.Ordinal))
                {
                    await w.WriteAsync(line + "\n");
                }
            }
            await w.WriteAsync("# EOF\n");
        }
        var data = Path.Combine(dir, "query-bench-prom");
        if (Directory.Exists(data))
        {
            Directory.Delete(data, true);
        }
        using (var p = Process.Start(new ProcessStartInfo("promtool", ["tsdb", "create-blocks-from", "openmetrics", omFile, data]) { RedirectStandardOutput = true, RedirectStandardError = true })!)
        {
            var err = p.StandardError.ReadToEndAsync();
            await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"promtool failed: {await err}");
            }
        }
        var config = Path.Combine(dir, "query-bench.yml");
        await File.WriteAllTextAsync(config, "global:\n  evaluation_interval: 1m\n");
        var port = ExternalProcess.FreePort();
        await using var prometheus = ExternalProcess.Start("prometheus", $"--config.file={config}", $"--storage.tsdb.path={data}",
            $"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=30d", "--log.level=warn");
        await prometheus.WaitForPortAsync(port, TimeSpan.FromMinutes(5));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        while (!(await http.GetAsync("-/ready")).IsSuccessStatusCode)
        {
            await Task.Delay(200);
        }

        var start = (origin / 1000).ToString(CultureInfo.InvariantCulture);
        var end = (now / 1000).ToString(CultureInfo.InvariantCulture);
        var store = new TsdbQuerier([], head, long.MinValue);
        var api = new QueryApi(new PromQlEngine(), QueryLimits.Default);
        var ours = new List<double>();
        var theirs = new List<double>();
        long bytesOurs = 0, bytesTheirs = 0;
        for (var round = 0; round < 6; round++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var q in queries)
            {
                var form = new ApiForm([new("query", q), new("start", start), new("end", end), new("step", "15")]);
                var r = api.Range(QueryRequests.Range(form), store, CancellationToken.None);
                bytesOurs = round == 0 ? bytesOurs + r.Body.Length : bytesOurs;
            }
            var o = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            foreach (var q in queries)
            {
                using var r = await http.PostAsync("api/v1/query_range", new FormUrlEncodedContent([new("query", q), new("start", start), new("end", end), new("step", "15")]));
                var body = await r.Content.ReadAsByteArrayAsync();
                bytesTheirs = round == 0 ? bytesTheirs + body.Length : bytesTheirs;
            }
            var t = sw.Elapsed.TotalMilliseconds;
            // The first round warms both (JIT, caches) and is not counted.
            if (round > 0)
            {
                ours.Add(o);
                theirs.Add(t);
            }
        }
        var mo = Median(ours);
        var mt = Median(theirs);
        Console.WriteLine("| all dashboard queries, query_range 1 h / 15 s | ours | Prometheus 2.42 | ratio |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| median of 5 rounds | {mo:0} ms | {mt:0} ms | {mo / mt:0.00}x |");
        Console.WriteLine($"| response bytes (first round) | {bytesOurs:N0} | {bytesTheirs:N0} | |");
    }

    private static double Median(List<double> xs)
    {
        var sorted = xs.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>The seeds' dashboard expressions that use no Grafana template variable.</summary>
    private static List<string> DashboardQueries(string seedsDir)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(seedsDir))
        {
            foreach (Match m in Expr().Matches(File.ReadAllText(file)))
            {
                var q = System.Text.Json.JsonSerializer.Deserialize<string>("\"" + m.Groups[1].Value + "\"")!.Trim();
                if (!q.Contains('$', StringComparison.Ordinal))
                {
                    try
                    {
                        if (PromQlParser.Parse(q).Type is PromQlValueType.Vector or PromQlValueType.Scalar)
                        {
                            result.Add(q);
                        }
                    }
                    catch (PromQlParseException)
                    {
                        // Not PromQL (e.g. a snippet of another query language in the seed text).
                    }
                }
            }
        }
        return [.. result];
    }

    [GeneratedRegex("\"expr\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Expr();
}
