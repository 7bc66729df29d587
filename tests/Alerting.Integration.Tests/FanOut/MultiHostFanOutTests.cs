using System.Collections.Concurrent;
using System.Globalization;
using Alerting.Core.FanOut;
using Alerting.Fakes;
using Alerting.ScrapeBench;
using Azure.Storage.Blobs;
using Xunit.Abstractions;

namespace Alerting.Integration.Tests.FanOut;

/// <summary>
/// Scrape and evaluation fanned out over two and three local hosts, separate processes on one Azurite: 300 targets
/// (one in-process fleet server, told apart by a relabelled <c>target</c> parameter) in shards of 50, and
/// 20 rule groups each recording a series and firing one alert. One host is killed with SIGKILL while it
/// scrapes; the others finish its shards. The tick log and the Slack fake are the evidence: every target
/// stored exactly once per tick, every group evaluated at most once per slot and at every slot but around
/// the kill, every alert notified exactly once.
/// </summary>
public sealed class MultiHostFanOutTests(ITestOutputHelper output)
{
    private const int Targets = 300;
    private const int Groups = 20;
    private const int QueueLeaseSeconds = 4;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Hosts_share_the_ticks_and_groups_and_the_survivors_finish_a_killed_hosts_shards(int hostCount)
    {
        await using var azurite = await Azurite.StartAsync();
        await using var slack = await SlackWebhookFake.StartAsync();
        var scrapes = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        await using var fleet = await FanOutScenario.StartFleetAsync(scrapes);
        var dir = Directory.CreateTempSubdirectory("fanout-").FullName;
        await FanOutScenario.WriteFilesAsync(dir, new Uri(fleet.Urls.First()).Authority, slack.WebhookUrl, Targets, Groups);
        var settings = await HostProcess.WriteSettingsAsync(dir, azurite.ConnectionString, FanOutScenario.HostSettings(dir, shardSize: 50));

        // A short queue lease, so a killed host's shards come back within the tick (Azure's listener: 10 min).
        var hosts = new List<HostProcess>();
        for (var i = 0; i < hostCount; i++)
        {
            hosts.Add(await HostProcess.StartAsync(settings, QueueLeaseSeconds));
        }
        try
        {
            var samples = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("samples");
            // Two complete ticks, then kill the last host while the next tick is being scraped: when that tick's first shard
            // is stored, its plan is in the queue (a plan killed before it was sent is lost with its host and the tick
            // after covers it, so a fixed delay after the occurrence could land before the plan on a loaded machine),
            // and the other shards are still being scraped, some of them by that host.
            await WaitForAsync(async () => (await FanOutScenario.FleetTicksAsync(samples)).Select(t => t.Ts).Distinct().Count() >= 2, TimeSpan.FromSeconds(90), "two fleet ticks");
            var before = (await FanOutScenario.FleetTicksAsync(samples)).Max(t => t.Ts);
            var killed = 0L;
            await WaitForAsync(async () => (killed = (await FanOutScenario.FleetTicksAsync(samples)).Select(t => t.Ts).Where(ts => ts > before).DefaultIfEmpty().Min()) > 0,
                TimeSpan.FromSeconds(60), "the next tick's first shard");
            var killedAt = DateTimeOffset.UtcNow;
            await hosts[^1].Process.DisposeAsync();
            output.WriteLine($"killed host {hostCount - 1} at {killedAt:HH:mm:ss.fff}, during the tick stamped {DateTimeOffset.FromUnixTimeMilliseconds(killed):HH:mm:ss.fff}");

            // The survivors cover the following ticks.
            await WaitForAsync(async () => (await FanOutScenario.FleetTicksAsync(samples)).Any(t => t.Ts >= killed + 25_000), TimeSpan.FromSeconds(60), "three ticks after the kill");
            await WaitForAsync(() => Task.FromResult(slack.Received.Count >= Groups), TimeSpan.FromSeconds(30), "a notification per group");
            var settledAt = DateTimeOffset.UtcNow;
            await Task.Delay(TimeSpan.FromSeconds(3));

            // Only ticks whose shards have had time to land (a tick's shards are superseded at the next tick).
            var fleetTicks = (await FanOutScenario.FleetTicksAsync(samples)).Where(t => t.Ts <= settledAt.ToUnixTimeMilliseconds() - 10_000).ToArray();
            var byTick = fleetTicks.GroupBy(t => t.Ts).OrderBy(g => g.Key).ToArray();
            output.WriteLine($"{byTick.Length} fleet ticks, {fleetTicks.Length} shard blobs; scrapes served {scrapes.Values.Sum()}");
            output.WriteLine($"ticks at {string.Join(", ", byTick.Select(g => DateTimeOffset.FromUnixTimeMilliseconds(g.Key).ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)))}; settled at {settledAt:HH:mm:ss.fff}");
            Assert.True(byTick.Length >= 4, $"{byTick.Length} ticks");
            // The tick the kill interrupted is there, complete (checked below), and so are the survivors'.
            // (A tick is stamped when its timer run plans it, just after the schedule's occurrence.)
            Assert.Contains(byTick, g => g.Key == killed);
            Assert.Contains(byTick, g => g.Key >= killed + 15_000 && g.Key < killed + 30_000);
            foreach (var tick in byTick)
            {
                var instances = tick.SelectMany(t => t.Instances).ToArray();
                Assert.True(instances.Length == Targets && instances.Distinct().Count() == Targets,
                    $"tick {tick.Key}: {instances.Length} stored, {instances.Distinct().Count()} distinct targets in {tick.Count()} shards");
            }

            var evaluations = await FanOutScenario.RuleTicksAsync(samples, settledAt.ToUnixTimeMilliseconds() - 10_000);
            Assert.Equal(Groups, evaluations.Count);
            foreach (var (job, times) in evaluations)
            {
                // Each evaluation is for the slot (Prometheus' aligned one) at or before its time: at most once per
                // slot, and every slot but at most one lost to the kill (its message died with the host and the slot passed).
                var key = job["__rules__/".Length..];
                var (file, name) = (key[..key.IndexOf(';', StringComparison.Ordinal)], key[(key.IndexOf(';', StringComparison.Ordinal) + 1)..]);
                var slots = times.Select(t => EvaluationPlanner.Slot(file, name, Interval, DateTimeOffset.FromUnixTimeMilliseconds(t)).ToUnixTimeMilliseconds()).ToArray();
                Assert.True(slots.Distinct().Count() == slots.Length, $"{name}: two evaluations of one slot in {string.Join(", ", times)}");
                var gaps = slots.Zip(slots.Skip(1), (a, b) => b - a).ToArray();
                Assert.True(gaps.Count(g => g > 10_000) <= 1, $"{name}: slots {string.Join(", ", slots)}");
            }

            var notified = slack.Received.SelectMany(r => r.Body["attachments"]?.AsArray() ?? []).Select(a => a?["title"]?.GetValue<string>() ?? string.Empty).ToArray();
            Assert.Equal(Groups, slack.Received.Count);
            Assert.Equal(Groups, notified.Distinct().Count());
        }
        catch
        {
            foreach (var (host, i) in hosts.Select((h, i) => (h, i)))
            {
                output.WriteLine($"----- host {i} -----\n{host.Process.Output}");
            }
            throw;
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.Process.DisposeAsync();
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout.TotalSeconds:F0} s waiting for {what}");
            await Task.Delay(250);
        }
    }
}
