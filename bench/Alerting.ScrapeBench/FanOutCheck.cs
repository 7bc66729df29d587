using System.Collections.Concurrent;
using System.Globalization;
using Alerting.Core.Exposition;
using Alerting.Core.FanOut;
using Alerting.Fakes;
using Azure.Storage.Blobs;

namespace Alerting.ScrapeBench;

/// <summary>
/// Issue 22's full-size fan-out check, too slow for CI: <c>hosts</c> local hosts as separate processes on one
/// Azurite, <c>targets</c> targets (one in-process server told apart by a relabelled <c>target</c> parameter) in
/// shards of the default size, <c>groups</c> rule groups each recording a series and firing one alert routed to
/// the Slack fake. Once warm (every group evaluated, one tick with every target; what the warm-up missed is printed
/// apart) the host busiest at the start of the next tick is killed with SIGKILL; the others must finish its shards.
/// Prints per tick how often each target was stored, per group its evaluations per slot, the notifications, and
/// each host's warnings; exits non-zero on any violation.
/// </summary>
internal static class FanOutCheck
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private const int TicksAfterKill = 3;
    private const int QueueLeaseSeconds = 4;

    public static async Task<int> RunAsync(string[] args, string storage, string work)
    {
        var hostCount = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
        var targets = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000;
        var groups = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100;
        await using var slack = await SlackWebhookFake.StartAsync();
        var served = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        await using var fleet = await FanOutScenario.StartFleetAsync(served);
        await FanOutScenario.WriteFilesAsync(work, new Uri(fleet.Urls.First()).Authority, slack.WebhookUrl, targets, groups);
        var values = FanOutScenario.HostSettings(work);
        // The planners' and handlers' own lines (superseded shards, missed slots), kept in each host's log file.
        values["Logging:LogLevel:Alerting.Functions.Scrape.ScrapeRunner"] = "Information";
        values["Logging:LogLevel:Alerting.Functions.Pipeline.RuleRunner"] = "Information";
        var settings = await HostProcess.WriteSettingsAsync(work, storage, values);
        Console.WriteLine($"fan-out check: {hostCount} host processes, {targets} targets (shards of 200), {groups} rule groups at {Interval.TotalSeconds:0} s, queue lease {QueueLeaseSeconds} s; load average {HostProcess.LoadAverage()}");

        var hosts = new List<HostProcess>();
        try
        {
            for (var i = 0; i < hostCount; i++)
            {
                hosts.Add(await HostProcess.StartAsync(settings, QueueLeaseSeconds));
            }
            var samples = new BlobServiceClient(storage).GetBlobContainerClient("samples");
            // Warm-up: processes that all start at once on shared cores compile and fill their caches for the first
            // tens of seconds. What follows is measured from the moment every group has been evaluated and one tick
            // stored every target; what the warm-up missed is printed apart.
            var started = DateTimeOffset.UtcNow;
            if (!await WaitForAsync(async () => await WarmAsync(samples, targets, groups), TimeSpan.FromSeconds(120)))
            {
                throw new TimeoutException("not every group evaluated and no complete fleet tick within 120 s: " + hosts[0].Process.Output);
            }
            // Then one more interval: the first plans after a cold start are still slow to send (the sends queue behind
            // every host's first catch-up in the one Azurite).
            await Task.Delay(Interval);
            var warmAt = DateTimeOffset.UtcNow;
            Console.WriteLine($"warm after {(warmAt - started).TotalSeconds:0.0} s (every group evaluated and one tick with every target, then one interval)");

            // Kill, 0.8 s into the next tick, the host that burnt the most CPU since the tick began: the one scraping.
            var nextTick = DateTimeOffset.FromUnixTimeMilliseconds(((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 10_000) + 1) * 10_000);
            await Task.Delay(nextTick - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(300));
            var cpu0 = hosts.Select(h => h.CpuSeconds()).ToArray();
            await Task.Delay(500);
            var busy = hosts.Select((h, i) => (Delta: h.CpuSeconds() - cpu0[i], Index: i)).MaxBy(x => x.Delta);
            var victim = hosts[busy.Index];
            var killedAt = DateTimeOffset.UtcNow;
            await victim.Process.DisposeAsync();
            Console.WriteLine($"killed host {busy.Index} at {killedAt:HH:mm:ss.fff} (CPU in the 0.5 s before: {busy.Delta:0.00} s)");

            var violations = new List<string>();
            // Past the kill a timeout is a finding, not a crash: the counts below say what did arrive.
            if (!await WaitForAsync(async () => (await FanOutScenario.FleetTicksAsync(samples)).Any(t => t.Ts >= nextTick.ToUnixTimeMilliseconds() + (TicksAfterKill * 10_000)), TimeSpan.FromSeconds(120)))
            {
                violations.Add($"no tick {TicksAfterKill} intervals after the kill within 120 s");
            }
            if (!await WaitForAsync(() => Task.FromResult(slack.Received.Count >= groups), TimeSpan.FromSeconds(120)))
            {
                violations.Add($"{slack.Received.Count} of {groups} notifications within 120 s");
            }
            // Then one more tick's time, so a late shard, a second evaluation or a second notification would show.
            var settledAt = DateTimeOffset.UtcNow;
            await Task.Delay(Interval);

            var killedMs = nextTick.ToUnixTimeMilliseconds();

            // Scrapes: every target stored exactly once in every tick whose shards had time to land.
            var fleetTicks = (await FanOutScenario.FleetTicksAsync(samples)).Where(t => t.Ts <= settledAt.ToUnixTimeMilliseconds() - 10_000).GroupBy(t => t.Ts).OrderBy(g => g.Key).ToArray();
            Console.WriteLine();
            Console.WriteLine("| tick | shards stored | targets stored once | missing | stored twice or more |");
            Console.WriteLine("|---|---|---|---|---|");
            var warmMs = warmAt.ToUnixTimeMilliseconds();
            // A planner killed while sending its shard messages loses the unsent ones for that tick (the next tick
            // scrapes them, as a restarted Prometheus misses a scrape); a plan a survivor finished must be complete.
            bool IsKillTick(long ts) => ts >= killedMs && ts < killedMs + 10_000;
            var plannedBySurvivor = hosts.Where(h => h != victim).Any(h => LoggedBetween(h.Process.Output, "Planned scrape tick", killedMs, killedMs + 10_000));
            foreach (var tick in fleetTicks)
            {
                var counts = tick.SelectMany(t => t.Instances).GroupBy(i => i, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
                var once = counts.Count(c => c.Value == 1);
                var twice = counts.Count(c => c.Value > 1);
                var missing = targets - counts.Count;
                var warmUp = tick.Key < warmMs;
                var killTick = IsKillTick(tick.Key);
                var plannerKilled = killTick && !plannedBySurvivor;
                var mark = plannerKilled ? " (kill; the killed host planned it)" : killTick ? " (kill)" : warmUp ? " (warm-up)" : string.Empty;
                Console.WriteLine($"| {DateTimeOffset.FromUnixTimeMilliseconds(tick.Key):HH:mm:ss.fff}{mark} | {tick.Count()} | {once} | {missing} | {twice} |");
                // A target stored twice is a violation even in the warm-up; one not scraped then is reported, not failed.
                if (twice > 0 || (!warmUp && !plannerKilled && once != targets))
                {
                    violations.Add($"tick {tick.Key}: {missing} targets missing, {twice} stored more than once");
                }
            }
            if (fleetTicks.Count(g => g.Key >= warmMs) < TicksAfterKill || !fleetTicks.Any(g => IsKillTick(g.Key)))
            {
                violations.Add($"only {fleetTicks.Length} complete ticks, or none at the kill");
            }
            var stored = fleetTicks.Sum(g => g.Sum(t => t.Instances.Length));
            Console.WriteLine($"scrapes served {served.Values.Sum()}, stored {stored} (the difference: scrapes of the killed host's shards that died with it, and ticks outside the window)");

            // Evaluations: at most one per group per slot, and every slot but the one the kill may cost.
            var evaluations = await FanOutScenario.RuleTicksAsync(samples, settledAt.ToUnixTimeMilliseconds() - 10_000);
            var duplicates = 0;
            var missedAtKill = 0;
            var missedElsewhere = 0;
            var missedWarmingUp = 0;
            var missedAt = new List<long>();
            var slotsSeen = 0;
            foreach (var (job, times) in evaluations)
            {
                var key = job["__rules__/".Length..];
                var semi = key.IndexOf(';', StringComparison.Ordinal);
                var (file, name) = (key[..semi], key[(semi + 1)..]);
                var slots = times.Select(t => EvaluationPlanner.Slot(file, name, Interval, DateTimeOffset.FromUnixTimeMilliseconds(t)).ToUnixTimeMilliseconds()).ToArray();
                slotsSeen += slots.Length;
                duplicates += slots.Length - slots.Distinct().Count();
                foreach (var (a, b) in slots.Zip(slots.Skip(1)).Where(p => p.Second - p.First > 10_000))
                {
                    var missed = (int)((b - a) / 10_000) - 1;
                    // A slot whose message the killed host held and whose next slot began before its lease ran out.
                    if (b <= warmMs)
                    {
                        missedWarmingUp += missed;
                    }
                    else if (missed == 1 && a < killedAt.ToUnixTimeMilliseconds() && b > killedAt.ToUnixTimeMilliseconds())
                    {
                        missedAtKill++;
                    }
                    else
                    {
                        missedElsewhere += missed;
                        for (var m = a + 10_000; m < b; m += 10_000)
                        {
                            missedAt.Add(m);
                        }
                    }
                }
            }
            Console.WriteLine($"evaluations: {evaluations.Count} of {groups} groups evaluated, {slotsSeen} group slots, {duplicates} slots evaluated twice, {missedAtKill} slots lost to the kill, {missedWarmingUp} missed in the warm-up, {missedElsewhere} missed otherwise");
            if (missedAt.Count > 0)
            {
                Console.WriteLine("missed slots per 10 s: " + string.Join(", ", missedAt.GroupBy(m => m / 10_000 * 10_000).OrderBy(g => g.Key)
                    .Select(g => $"{DateTimeOffset.FromUnixTimeMilliseconds(g.Key):HH:mm:ss} {g.Count()}")));
            }
            if (evaluations.Count != groups || duplicates > 0 || missedElsewhere > 0)
            {
                violations.Add($"evaluations: {evaluations.Count}/{groups} groups, {duplicates} doubled, {missedElsewhere} missed away from the kill");
            }

            // Notifications: one per group (group_by alertname, group_interval far beyond the run).
            var titles = slack.Received.SelectMany(r => r.Body["attachments"]?.AsArray() ?? []).Select(a => a?["title"]?.GetValue<string>() ?? string.Empty).ToArray();
            Console.WriteLine($"notifications: {slack.Received.Count} Slack messages, {titles.Distinct().Count()} distinct alerts, {slack.Rejected} rejected");
            if (slack.Received.Count != groups || titles.Distinct().Count() != groups)
            {
                violations.Add($"notifications: {slack.Received.Count} messages for {titles.Distinct().Count()} of {groups} alerts");
            }

            foreach (var (h, i) in hosts.Select((h, i) => (h, i)))
            {
                var output = h.Process.Output;
                await File.WriteAllTextAsync(Path.Combine(work, $"host-{i}.log"), output);
                var lines = output.Split('\n');
                var superseded = lines.Count(l => l.Contains("arrived after the next tick was planned", StringComparison.Ordinal));
                var missedLines = lines.Count(l => l.Contains("evaluations (not backfilled", StringComparison.Ordinal));
                Console.WriteLine($"host {i}: {superseded} shard messages superseded, {missedLines} plans that counted missed slots; queue ages: {(h == victim ? "(killed)" : await QueueAgesAsync(h))}");
                var (warnings, mismatches) = h.LogCounts();
                Console.WriteLine($"host {i}{(h == victim ? " (killed)" : string.Empty)}: {(h == victim ? "killed" : $"{h.CpuSeconds():0.0} s CPU")}, {warnings} warning/error lines, {mismatches} naming PopReceiptMismatch");
                if (warnings > 0)
                {
                    Console.WriteLine(string.Join('\n', lines.Where(l => l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal)).Take(8)));
                }
            }
            Console.WriteLine($"load average {HostProcess.LoadAverage()}; host logs in {work}/host-*.log");
            Console.WriteLine(violations.Count == 0 ? "OK: exactly once" : "VIOLATIONS:\n  " + string.Join("\n  ", violations));
            return violations.Count == 0 ? 0 : 1;
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.Process.DisposeAsync();
            }
        }
    }

    /// <summary>Mean time from enqueue to handling per queue, from the host's <c>/api/metrics/self</c>; empty once it is gone.</summary>
    private static async Task<string> QueueAgesAsync(HostProcess host)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{host.Port}/api/metrics/self?code=local-function-key"));
            var samples = ExpositionParser.Parse(text).Samples;
            double Value(string name, string queue) => samples.Where(s => s.Labels.Name == name && s.Labels["queue"] == queue).Sum(s => s.Value);
            return string.Join(", ", samples.Where(s => s.Labels.Name == "alerting_queue_message_age_seconds_count").Select(s => s.Labels["queue"]).Select(q =>
                (Queue: q, Count: Value("alerting_queue_message_age_seconds_count", q), Sum: Value("alerting_queue_message_age_seconds_sum", q)))
                .Select(q => $"{q.Queue} {q.Count:0} messages, mean {(q.Count > 0 ? q.Sum / q.Count : 0):0.00} s"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or ExpositionParseException)
        {
            return "(no answer: " + e.Message + ")";
        }
    }

    /// <summary>Whether <paramref name="output"/> has a line holding <paramref name="text"/> logged (UTC, to the second) from <paramref name="fromMs"/> to before <paramref name="toMs"/>.</summary>
    private static bool LoggedBetween(string output, string text, long fromMs, long toMs)
    {
        var day = DateTimeOffset.FromUnixTimeMilliseconds(fromMs).UtcDateTime.Date;
        return output.Split('\n').Any(l => l.Contains(text, StringComparison.Ordinal) && l.Length > 8
            && TimeSpan.TryParseExact(l[..8], @"hh\:mm\:ss", CultureInfo.InvariantCulture, out var at)
            && new DateTimeOffset(day + at, TimeSpan.Zero).ToUnixTimeMilliseconds() is var ms && ms >= fromMs / 1000 * 1000 && ms < toMs);
    }

    /// <summary>Every group has written a recording tick and one fleet tick holds every target.</summary>
    private static async Task<bool> WarmAsync(BlobContainerClient samples, int targets, int groups)
    {
        if (!await samples.ExistsAsync() || (await FanOutScenario.RuleTicksAsync(samples, long.MaxValue)).Count < groups)
        {
            return false;
        }
        return (await FanOutScenario.FleetTicksAsync(samples)).GroupBy(t => t.Ts).Any(g => g.SelectMany(t => t.Instances).Distinct(StringComparer.Ordinal).Count() == targets);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds (true) or <paramref name="timeout"/> passes (false).</summary>
    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(500);
        }
        return true;
    }
}
