using Alerting.Chaos;
using Xunit.Abstractions;

namespace Alerting.Integration.Tests.Reliability;

/// <summary>
/// The crash harness's short form (bench/Alerting.Chaos runs the long one, 100 kills, by hand): the app
/// as a real process, killed with SIGKILL twice while alerts flow and restarted on the same storage, and
/// cut off from storage twice for 20 s (every connection reset) while it keeps running.
/// Nothing may be lost in any channel, PagerDuty may not open a second incident, a silenced alert may
/// not be notified, an acknowledged one may not reach its later step, and each kill may cost at most
/// one extra message per channel (per outage too: a send can complete just before storage goes away).
/// Pushed alerts are re-sent as Prometheus does by default (every minute, endsAt four minutes ahead).
/// </summary>
public sealed class CrashHarnessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Alerts_survive_kill_9_of_the_app_and_storage_outages_in_every_channel()
    {
        var log = new StringWriter();
        await using var run = new ChaosRun(new ChaosOptions
        {
            Kills = 4,
            OutageEvery = 2,
            OutageLength = TimeSpan.FromSeconds(20),
            AlertsPerRound = 3,
            MinUptime = TimeSpan.FromSeconds(3),
            MaxUptime = TimeSpan.FromSeconds(8),
            Settle = TimeSpan.FromSeconds(75),
            Seed = 42,
            Log = log,
        });
        var report = await run.RunAsync();
        output.WriteLine(log.ToString());
        output.WriteLine(report.Format());
        if (report.Channels.Any(c => c.Lost > 0))
        {
            // What the app did around the lost alert is the only way to tell which step dropped it.
            output.WriteLine(report.AppLog);
        }

        Assert.All(report.Channels, c => Assert.Equal(0, c.Lost));
        // Every extra copy charged to its cause: at most one per channel per kill or outage (a storage outage
        // opens the same window as a kill: sent, then the record fails), none in PagerDuty, none unexplained.
        Assert.Empty(report.DuplicateBreaches);
        Assert.Equal(0, report.SilencedNotified);
        Assert.Equal(0, report.AcknowledgedThenPaged);
        Assert.Equal(2, report.Outages);
        // Once per outage per poller and timer tick, not once per message: a bounded handful of lines.
        Assert.True(report.OutageErrorLines <= 20 * report.Outages, $"{report.OutageErrorLines} warning/error lines over {report.Outages} outages");
    }
}
