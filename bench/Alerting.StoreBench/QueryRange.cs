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
/// is included, a fraction of a millisecond per request). Median of <c>--rounds</c> rounds (default five) of all expressions, after one warm-up round.
/// </summary>
internal static partial class QueryRange
{
    public static async Task RunAsync(string dir, int machines, int series, int hours, string seedsDir, int scrapeSeconds, int rounds)
    {
        var range = TimeSpan.FromHours(hours);
        // Grafana's step for a wide panel: the range over ~1,440 points, never under the scrape interval.
        var stepSeconds = Math.Max(scrapeSeconds, (int)(range.TotalSeconds / 1440));
        var fleet = new SeedFleet(machines, series, TimeSpan.FromSeconds(scrapeSeconds), range);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 60_000 * 60_000;
        var origin = now - (long)range.TotalMilliseconds;
        var head = new Head(SeriesSelection.All, (long)(range + TimeSpan.FromHours(1)).TotalMilliseconds);
        long samples = 0;
        for (var i = 0; i <= fleet.Steps; i++)
        {
            var tick = fleet.Tick(i, origin);
            head.Append(tick);
            samples += tick.Targets.Sum(t => t.Samples.Count);
        }
        var queries = DashboardQueries(seedsDir);
        Console.WriteLine($"{head.SeriesCount:N0} series, {samples:N0} samples over {hours} h scraped every {scrapeSeconds} s; {queries.Count} dashboard queries, query_range {hours} h at {stepSeconds} s");

        var omFile = Path.Combine(dir, "query-bench.om");
        await using (var w = new StreamWriter(omFile))
        {
            await fleet.WriteOpenMetricsAsync(w, origin);
        }
        var data = Path.Combine(dir, "query-bench-prom");
        if (Directory.Exists(data))
        {
            Directory.Delete(data, true);
        }
        var backfill = Stopwatch.StartNew();
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
        // At 1,000 machines × 24 h the export is gigabytes: it is only promtool's input, so it goes at once.
        Console.WriteLine($"OpenMetrics export {new FileInfo(omFile).Length / 1e9:0.00} GB backfilled by promtool in {backfill.Elapsed.TotalSeconds:0} s");
        File.Delete(omFile);
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
        var step = stepSeconds.ToString(CultureInfo.InvariantCulture);
        var store = new TsdbQuerier([], head, long.MinValue);
        var api = new QueryApi(new PromQlEngine(), QueryLimits.Default);
        var ours = new List<double>();
        var theirs = new List<double>();
        long bytesOurs = 0, bytesTheirs = 0;
        for (var round = 0; round <= rounds; round++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var q in queries)
            {
                var form = new ApiForm([new("query", q), new("start", start), new("end", end), new("step", step)]);
                var r = api.Range(QueryRequests.Range(form), store, CancellationToken.None);
                bytesOurs = round == 0 ? bytesOurs + r.Body.Length : bytesOurs;
            }
            var o = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            foreach (var q in queries)
            {
                using var r = await http.PostAsync("api/v1/query_range", new FormUrlEncodedContent([new("query", q), new("start", start), new("end", end), new("step", step)]));
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
        Console.WriteLine($"| {head.SeriesCount:N0} series, {queries.Count} queries, query_range {hours} h / {stepSeconds} s | ours | Prometheus 2.42 | ratio |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| median of {rounds} rounds | {mo:0} ms | {mt:0} ms | {mo / mt:0.00}x |");
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
