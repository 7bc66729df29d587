using System.Globalization;
using Alerting.LocalServices;
using static Alerting.IngestBench.BenchFigures;

namespace Alerting.IngestBench;

/// <summary>
/// <c>first-notification</c> mode: <see cref="FirstNotificationRace"/> over N groups per case (a fresh alert,
/// and one that started 10 minutes ago), printing p50/p99 for us and Alertmanager and their ratio.
/// Usage: <c>first-notification [groups=50] [spacing-ms=2500] [poll-only]</c>.
/// </summary>
internal static class FirstNotificationBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var groups = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50;
        // New groups a few seconds apart, as a fleet's alerts come: long enough for idle queue pumps to back off
        // to maxPollingInterval, which is what a single new alert meets.
        var spacing = TimeSpan.FromMilliseconds(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2500);
        // "poll-only": our queue pumps without the app's wake-ups, polling with host.json's back-off.
        var wakeups = !(args.Length > 2 && args[2] == "poll-only");
        if (RealAlertmanager.Binary is null)
        {
            Console.WriteLine("prometheus-alertmanager is not installed: nothing to compare with (run .ci/install-deps)");
            return 1;
        }
        Console.WriteLine($"first notification of {groups} new groups per case, {spacing.TotalMilliseconds:F0} ms apart, group_wait {FirstNotificationRace.GroupWait.TotalSeconds:F0}s, " +
            $"our queue pumps {(wakeups ? "woken by the app's messages" : "polling only")}; " +
            $"{Environment.ProcessorCount} cores, load average {LoadAverage()}");
        await using var race = await FirstNotificationRace.StartAsync(Path.Combine(RepoPaths.Root, "host.json"), wakeups);
        foreach (var (name, startedAgo) in new[] { ("Fresh", TimeSpan.Zero), ("Old", TimeSpan.FromMinutes(10)) })
        {
            var samples = await race.RunAsync(name, groups, startedAgo, spacing, TimeSpan.FromSeconds(60));
            var ours = Sorted(samples.Select(s => s.Ours));
            var theirs = Sorted(samples.Select(s => s.Alertmanager));
            Console.WriteLine($"{name,-5} (startsAt now-{startedAgo.TotalMinutes:F0}m): " +
                $"ours p50 {P(ours, 0.5):F0} ms, p99 {P(ours, 0.99):F0} ms, max {ours.LastOrDefault():F0} ms ({ours.Length}/{groups} arrived); " +
                $"alertmanager p50 {P(theirs, 0.5):F0} ms, p99 {P(theirs, 0.99):F0} ms, max {theirs.LastOrDefault():F0} ms ({theirs.Length}/{groups}); " +
                $"ratio p50 {P(ours, 0.5) / P(theirs, 0.5):F2}, p99 {P(ours, 0.99) / P(theirs, 0.99):F2}; load average {LoadAverage()}");
        }
        return 0;
    }

    private static double[] Sorted(IEnumerable<TimeSpan?> latencies) =>
        latencies.OfType<TimeSpan>().Select(l => l.TotalMilliseconds).Order().ToArray();
}
