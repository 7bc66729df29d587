using System.Globalization;
using System.Text;
using Alerting.Core.Model;
using Alerting.Core.Tsdb.Wal;

namespace Alerting.StoreBench;

/// <summary>
/// A fleet whose machines expose every metric the seed rule files read (seeds 000, 002 fixed, 004), with
/// incidents scheduled over a day so that each seed alert has times when it fires and times when it does
/// not, including the long-range ones (<c>rate(...[1h])</c>, the 24-hour order-matching SLO), plus filler
/// series (node-exporter-like CPU counters) up to a per-machine total. Counters are piecewise linear
/// with slope changes on whole hours, so the 1h and 24h windows see history a 20-minute window would not.
/// The same data comes out as scrape ticks (our store) and as promtool input series (the reference).
/// </summary>
public sealed class SeedFleet
{
    private const double Hour = 3600;
    private readonly List<(Labels Labels, Func<double, double?> Value)> _series = [];

    public SeedFleet(int machines, int seriesPerMachine, TimeSpan step, TimeSpan duration)
    {
        Machines = machines;
        Step = step;
        Steps = (int)(duration / step);
        for (var m = 0; m < machines; m++)
        {
            AddMachine(m, seriesPerMachine);
        }
    }

    public int Machines { get; }

    public TimeSpan Step { get; }

    public int Steps { get; }

    public int SeriesCount => _series.Count;

    public const string Job = "fly-machines";

    public static string Instance(int m) => $"vyx-user-{35682909 + m}:9100";

    private static string UserId(int m) => (35682909 + m).ToString(CultureInfo.InvariantCulture);

    /// <summary>Machine 0 is down (scrape fails: up 0, nothing else) from 10h to 11h.</summary>
    private static bool Down(int m, double t) => m == 0 && t >= 10 * Hour && t < 11 * Hour;

    private static bool In(double t, double fromHour, double toHour) => t >= fromHour * Hour && t < toHour * Hour;

    /// <summary>A counter whose rate per second is <paramref name="rate"/>(t), integrated exactly (rates change on whole hours).</summary>
    private static Func<double, double?> Counter(Func<double, double> rate, double start = 0)
    {
        // Values at each whole hour, then linear within the hour.
        var atHour = new double[50];
        var rates = new double[50];
        atHour[0] = start;
        for (var h = 0; h < 49; h++)
        {
            rates[h] = rate(h * Hour);
            atHour[h + 1] = atHour[h] + (rates[h] * Hour);
        }
        return t =>
        {
            var h = Math.Clamp((int)(t / Hour), 0, 48);
            return atHour[h] + (rates[h] * (t - (h * Hour)));
        };
    }

    private void Add(int m, string name, Func<double, double?> value, params (string, string)[] extra)
    {
        var labels = Labels.From(extra.Select(p => new Label(p.Item1, p.Item2))
            .Append(new Label(Labels.MetricName, name)).Append(new Label("instance", Instance(m))).Append(new Label("job", Job)).Append(new Label("user_id", UserId(m))));
        _series.Add((labels, t => name != "up" && Down(m, t) ? null : value(t)));
    }

    private void AddMachine(int m, int total)
    {
        var before = _series.Count;
        var half = Machines / 2;
        Add(m, "up", t => Down(m, t) ? 0 : 1);

        // Seed 000 (multi-machine): errors, execution errors, DB timeouts, worker pools.
        Add(m, "trader_errors_total", Counter(t => m % 2 == 1 && In(t, 2, 6) ? 3 : 0.05));
        Add(m, "trader_execution_errors_total", Counter(t => m % 3 == 0 && In(t, 12, 14) ? 0.8 : 0));
        Add(m, "signal_persist_errors_total", Counter(t => m % 2 == 0 && In(t, 16, 18) ? 1.5 : 0.01), ("error_type", "timeout"));
        Add(m, "pool_size", _ => 100);
        Add(m, "pool_usage", t => m <= half + 1 && In(t, 20, 22) ? 95 : 50);

        // Seed 002 (ha-trading, fixed split-brain rule): HA coordination and crash recovery.
        Add(m, "portfolio_manager_db_sync_failure_rate", t => In(t, 5, 7) ? m == 1 ? 0.12 : m == 2 ? 0.07 : 0.01 : 0.01);
        Add(m, "portfolio_manager_leadership_changes", Counter(_ => m == 2 ? 15 / Hour : m == 3 ? 5 / Hour : 0));
        Add(m, "portfolio_manager_last_heartbeat_timestamp", t => m == 3 && In(t, 20, 21) ? 20 * Hour : Math.Floor(t));
        Add(m, "portfolio_manager_current_leader_redis", _ => 0, ("redis_leader", Instance(0)));
        foreach (var leader in new[] { 0, 1 })
        {
            // Machine 1 sees another DB leader from 14h to 15h: the redis and DB leaders disagree.
            Add(m, "portfolio_manager_current_leader_db", t => (m == 1 && In(t, 14, 15)) == (leader == 1) ? leader : null, ("db_leader", Instance(leader)));
        }
        Add(m, "portfolio_manager_is_leader", t => m == 0 || (m == 1 && In(t, 9, 10)) ? 1 : 0);
        Add(m, "portfolio_manager_recovery_failure_count", t => m == 1 && In(t, 3, 4) ? 1 : 0);
        Add(m, "portfolio_manager_recovery_error_code", t => m == 1 && In(t, 3, 4) ? 1 : m == 2 && In(t, 3, 4) ? 3 : 0);
        Add(m, "portfolio_manager_recovery_time_ms", t => m == 0 && In(t, 4, 5) ? 700 : 40);

        // Seed 004 (virtengine): consensus, escrow, latency histogram, queues, SLOs.
        Add(m, "cometbft_consensus_height", Counter(t => In(t, 15, 16) ? 0 : 0.2));
        Add(m, "cometbft_consensus_validator_ready", t => In(t, 17, 18) && m <= half ? 0 : 1);
        Add(m, "virtengine_escrow_balance_total", t => m == 0 && In(t, 1, 3) ? 5e8 : 2e9);
        foreach (var (le, normal, slow) in new[] { ("1", 0.95, 0.5), ("5", 1.0, 0.9), ("10", 1.0, 1.0), ("+Inf", 1.0, 1.0) })
        {
            Add(m, "virtengine_tx_latency_seconds_bucket", Counter(t => m == 1 && In(t, 18, 20) ? slow : normal), ("le", le));
        }
        Add(m, "virtengine_veid_pending_verifications", t => m == 0 && In(t, 6, 8) ? 150 : 50);
        Add(m, "virtengine_provider_workload_starts", Counter(_ => 1 / 60.0));
        Add(m, "virtengine_provider_workload_failures", Counter(t => m == 1 && In(t, 2, 22) ? 0.2 / 60 : 0.05 / 60));
        Add(m, "virtengine_ml_inference_timeout_total", Counter(t => m == 2 && In(t, 11, 13) ? 0.02 : 0));
        Add(m, "virtengine_veid_submission_seconds_count", Counter(_ => 10 / 60.0));
        Add(m, "virtengine_veid_submission_seconds_bucket", Counter(t => In(t, 4, 8) ? 9.7 / 60 : 10 / 60.0), ("le", "10"));
        Add(m, "virtengine_market_orders_created", Counter(_ => 10 / 60.0));
        Add(m, "virtengine_market_orders_matched", Counter(t => t < 8 * Hour ? 10 / 60.0 : 8 / 60.0));

        // Filler up to the per-machine total: CPU time counters, as node-exporter exposes them.
        for (var i = 0; _series.Count - before < total; i++)
        {
            var cpu = (i / 8).ToString(CultureInfo.InvariantCulture);
            var mode = new[] { "idle", "user", "system", "iowait", "irq", "softirq", "steal", "nice" }[i % 8];
            var rate = 0.01 * ((i % 8) + 1);
            Add(m, "node_cpu_seconds_total", Counter(_ => rate), ("cpu", cpu), ("mode", mode));
        }
    }

    /// <summary>The scrape tick at step <paramref name="step"/> (one target per machine).</summary>
    public ScrapeTick Tick(int step, long originMs)
    {
        var t = step * Step.TotalSeconds;
        var ts = originMs + (long)(step * Step.TotalMilliseconds);
        var byInstance = new Dictionary<string, List<CollectedSample>>(StringComparer.Ordinal);
        foreach (var (labels, value) in _series)
        {
            if (value(t) is { } v)
            {
                var instance = labels["instance"];
                if (!byInstance.TryGetValue(instance, out var list))
                {
                    list = [];
                    byInstance[instance] = list;
                }
                list.Add(new CollectedSample(labels, v, ts));
            }
        }
        return new ScrapeTick(Job, ts, [.. byInstance.Select(kv => new TargetSamples(kv.Key, kv.Value))]);
    }

    /// <summary>
    /// promtool's input_series for the same data: one value per step, <c>stale</c> where a series
    /// disappears (our store writes a stale marker there) and <c>_</c> while it stays away.
    /// </summary>
    public void WritePromtoolSeries(StringBuilder sb, string indent)
    {
        foreach (var (labels, value) in _series)
        {
            sb.Append(indent).Append("- series: '").Append(labels.ToString().Replace("'", "''", StringComparison.Ordinal)).Append("'\n");
            sb.Append(indent).Append("  values: '");
            var present = false;
            for (var s = 0; s <= Steps; s++)
            {
                if (s > 0)
                {
                    sb.Append(' ');
                }
                var v = value(s * Step.TotalSeconds);
                if (v is { } x)
                {
                    sb.Append(x.ToString("R", CultureInfo.InvariantCulture));
                    present = true;
                }
                else
                {
                    sb.Append(present ? "stale" : "_");
                    present = false;
                }
            }
            sb.Append("'\n");
        }
    }
}
