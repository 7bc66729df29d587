using System.Collections.Concurrent;
using System.Diagnostics;

namespace Alerting.IngestBench;

/// <summary>
/// Where an ingest run's time goes, measured from outside the app: every Route handling (the app's own
/// "route" spans), every request the app and the pumps make to storage (HttpClient's spans, by kind), and
/// the CPU of the processes this bench started (Azurite). Nothing in the app changes for it.
/// </summary>
internal sealed class IngestProfile : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<double> _route = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<double>> _storage = new(StringComparer.Ordinal);
    private readonly double _childCpuBefore = ChildCpuSeconds();

    public IngestProfile()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "System.Net.Http" || s.Name == Alerting.Functions.Telemetry.AlertingTelemetry.Source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private void Record(Activity a)
    {
        if (a.Source.Name != "System.Net.Http")
        {
            if (a.DisplayName.Contains("route", StringComparison.OrdinalIgnoreCase))
            {
                _route.Enqueue(a.Duration.TotalMilliseconds);
            }
            return;
        }
        if (a.GetTagItem("url.full") is not string url || a.GetTagItem("http.request.method") is not string method)
        {
            return;
        }
        _storage.GetOrAdd(Kind(method, new Uri(url)), _ => new()).Enqueue(a.Duration.TotalMilliseconds);
    }

    /// <summary>A storage request's kind: method and the path with keys and ids folded away.</summary>
    private static string Kind(string method, Uri url)
    {
        var path = url.AbsolutePath;
        var kind = path.Contains("$batch", StringComparison.Ordinal) ? "table transaction"
            : path.Contains("/messages/", StringComparison.Ordinal) ? "queue message (delete/update)"
            : path.EndsWith("/messages", StringComparison.Ordinal) ? (method == "GET" ? "queue receive" : "queue send")
            : path.Contains("(PartitionKey=", StringComparison.Ordinal) ? "table point read"
            : url.Query.Contains("comp=metadata", StringComparison.Ordinal) ? "queue properties"
            : "other";
        return kind is "table transaction" or "table point read" or "queue properties" ? kind : $"{kind} {method}";
    }

    /// <summary>The lines the bench prints after its figures.</summary>
    public IEnumerable<string> Report(int alerts)
    {
        var route = _route.Order().ToArray();
        yield return $"ours, Route handler: {route.Length:N0} messages, each p50 {BenchFigures.P(route, 0.5):F0} ms, p99 {BenchFigures.P(route, 0.99):F0} ms; " +
            $"CPU of Azurite (the processes this bench started) {ChildCpuSeconds() - _childCpuBefore:F1} s";
        foreach (var (kind, times) in _storage.OrderByDescending(k => k.Value.Count))
        {
            var t = times.Order().ToArray();
            yield return $"ours, storage {kind}: {t.Length:N0} ({(double)t.Length / alerts:F3} per alert), p50 {BenchFigures.P(t, 0.5):F0} ms, p99 {BenchFigures.P(t, 0.99):F0} ms";
        }
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>User and system CPU of every live descendant of this process, from /proc (0 elsewhere).</summary>
    private static double ChildCpuSeconds()
    {
        if (!Directory.Exists("/proc"))
        {
            return 0;
        }
        var parent = new Dictionary<int, int>();
        var ticks = new Dictionary<int, long>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                // Fields after the command name (which may hold spaces) start after its closing parenthesis.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parent[pid] = int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture);
                ticks[pid] = long.Parse(f[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(f[12], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
            }
        }
        var self = Environment.ProcessId;
        bool Descends(int pid)
        {
            for (var p = pid; parent.TryGetValue(p, out var up) && up > 1; p = up)
            {
                if (up == self)
                {
                    return true;
                }
            }
            return false;
        }
        return ticks.Where(t => Descends(t.Key)).Sum(t => t.Value) / 100.0;
    }
}
