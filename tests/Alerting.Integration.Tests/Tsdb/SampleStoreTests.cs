using Alerting.Core.FanOut;
using Alerting.Core.Model;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Compaction;
using Alerting.Core.Tsdb.Wal;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;

namespace Alerting.Integration.Tests.Tsdb;

/// <summary>
/// The store on Azurite against an in-memory reference fed the same ticks: after compaction into blocks,
/// merges, crashes at every commit point, concurrent compactors, damaged blobs and outages, a query
/// returns exactly the samples (stale markers included) the ticks hold, each once.
/// </summary>
public sealed class SampleStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly LabelMatcher[] Everything = [new(MatcherType.Regex, "__name__", ".+")];
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongRetention = TimeSpan.FromDays(1);

    /// <summary>Writes ticks every 30 s for <paramref name="minutes"/>; returns the reference head with the same ticks.</summary>
    private static async Task<Head> WriteTicksAsync(StoreHarness h, int minutes, long origin, Head? reference = null)
    {
        reference ??= new Head(SeriesSelection.All, 600_000);
        var end = origin + (minutes * 60_000L);
        while (h.Now < end)
        {
            reference.Append(await h.WriteFleetTickAsync(origin));
            h.Time.Advance(Step);
        }
        return reference;
    }

    private static async Task AssertSameAsync(Head expected, StoreHarness h, long from, long to)
    {
        var querier = await h.Samples.QuerierAsync(SeriesSelection.All, CancellationToken.None);
        var want = expected.Select(Everything, from, to).ToDictionary(s => s.Labels);
        var got = querier.Select(Everything, from, to).ToDictionary(s => s.Labels);
        Assert.Equal(want.Keys.Order(Alerting.Core.Tsdb.Index.Utf8Order.Instance), got.Keys.Order(Alerting.Core.Tsdb.Index.Utf8Order.Instance));
        foreach (var (labels, series) in want)
        {
            var g = got[labels].Samples;
            Assert.True(series.Samples.Count == g.Count, $"{labels}: {series.Samples.Count} samples expected, {g.Count} read");
            for (var i = 0; i < g.Count; i++)
            {
                Assert.Equal(series.Samples[i].TimestampMs, g[i].TimestampMs);
                Assert.Equal(BitConverter.DoubleToInt64Bits(series.Samples[i].Value), BitConverter.DoubleToInt64Bits(g[i].Value));
            }
        }
    }

    private static async Task<IReadOnlyList<string>> BlockFoldersAsync(StoreHarness h) =>
        [.. (await h.Blocks.ListAsync(CancellationToken.None)).Keys.Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Compacted_and_merged_blocks_with_the_head_answer_exactly_what_the_ticks_hold()
    {
        await using var h = await StoreHarness.StartAsync(azurite.Azurite);
        var origin = h.Now;
        var reference = await WriteTicksAsync(h, 70, origin);

        var report = await h.Compactor.RunAsync(LongRetention, CancellationToken.None);

        var manifest = (await h.Manifests.ReadAsync(CancellationToken.None)).Manifest;
        Assert.Equal(origin + (60 * 60_000), manifest.CompactedThrough);
        Assert.Equal(6, report.BlocksWritten);
        Assert.Equal(2, report.BlocksMerged);
        Assert.Equal([(origin, origin + 1_800_000, 2), (origin + 1_800_000, origin + 3_600_000, 2)], manifest.Blocks.OrderBy(b => b.MinTime).Select(b => (b.MinTime, b.MaxTime, b.Level)));
        // Ticks a block range below the watermark are gone; the newer ones stay for late readers.
        var left = await h.Log.ListAsync(long.MinValue, long.MaxValue / 2, CancellationToken.None);
        Assert.Equal(origin + (50 * 60_000), left.Min(t => t.TimestampMs));

        await AssertSameAsync(reference, h, origin, h.Now);

        // After the grace period the replaced level-1 blocks are deleted.
        h.Time.Advance(TimeSpan.FromMinutes(2));
        await h.Compactor.RunAsync(LongRetention, CancellationToken.None);
        manifest = (await h.Manifests.ReadAsync(CancellationToken.None)).Manifest;
        Assert.Equal(manifest.Blocks.Select(b => b.Ulid).Order(StringComparer.Ordinal), await BlockFoldersAsync(h));
        await AssertSameAsync(reference, h, origin, h.Now);
    }

    [Fact]
    public async Task A_shard_tick_written_by_two_takers_of_its_message_is_stored_once()
    {
        await using var a = await StoreHarness.StartAsync(azurite.Azurite);
        await using var b = await StoreHarness.StartAsync(azurite.Azurite, a.Time, clean: false);
        var shard = new ScrapeShard(3, 10);
        ScrapeTick Scraped(double value) => new("fleet", a.Now, [new TargetSamples("m1:9100", [new(Labels.From(("__name__", "up"), ("instance", "m1:9100"), ("job", "fleet")), value, a.Now)])])
        {
            Shard = shard,
        };

        // Both instances scraped the shard (the first one's lease ran out mid-scrape) and write at once; a third write
        // is the first one's storage retry after its answer was lost.
        var names = await Task.WhenAll(a.Log.WriteAsync(Scraped(1), CancellationToken.None), b.Log.WriteAsync(Scraped(1), CancellationToken.None));
        await a.Log.WriteAsync(Scraped(1), CancellationToken.None);

        var stored = await a.Log.ListAsync(long.MinValue, long.MaxValue / 2, CancellationToken.None);
        Assert.Equal(names[0], Assert.Single(stored).Name);
        Assert.Equal(names[0], names[1]);
        Assert.True(await b.Log.ShardWrittenAsync("fleet", a.Now, shard, CancellationToken.None));
        Assert.False(await b.Log.ShardWrittenAsync("fleet", a.Now, new ScrapeShard(4, 10), CancellationToken.None));
    }

    [Fact]
    public async Task Two_instances_compacting_at_once_commit_each_window_once()
    {
        await using var a = await StoreHarness.StartAsync(azurite.Azurite);
        await using var b = await StoreHarness.StartAsync(azurite.Azurite, a.Time, clean: false);
        var origin = a.Now;
        var reference = await WriteTicksAsync(a, 25, origin);

        var reports = await Task.WhenAll(a.Compactor.RunAsync(LongRetention, CancellationToken.None), b.Compactor.RunAsync(LongRetention, CancellationToken.None));

        var manifest = (await a.Manifests.ReadAsync(CancellationToken.None)).Manifest;
        Assert.Equal([origin, origin + 600_000], manifest.Blocks.Select(x => x.MinTime).Order());
        Assert.Equal(2, reports.Sum(r => r.BlocksWritten));
        Assert.Equal(manifest.Blocks.Select(x => x.Ulid).Order(StringComparer.Ordinal), await BlockFoldersAsync(a));
        await AssertSameAsync(reference, a, origin, a.Now);
        await AssertSameAsync(reference, b, origin, b.Now);
    }

    [Fact]
    public async Task A_compaction_that_dies_before_its_commit_is_redone_and_what_it_uploaded_is_collected()
    {
        await using var h = await StoreHarness.StartAsync(azurite.Azurite);
        var origin = h.Now;
        var reference = await WriteTicksAsync(h, 15, origin);

        h.Faults.FailNext(BlobFaults.IsManifestWrite);
        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => h.Compactor.RunAsync(LongRetention, CancellationToken.None));
        Assert.Equal(0, (await h.Manifests.ReadAsync(CancellationToken.None)).Manifest.CompactedThrough);
        var orphan = Assert.Single(await BlockFoldersAsync(h));
        await AssertSameAsync(reference, h, origin, h.Now);

        await h.Compactor.RunAsync(LongRetention, CancellationToken.None);
        var manifest = (await h.Manifests.ReadAsync(CancellationToken.None)).Manifest;
        var block = Assert.Single(manifest.Blocks);
        Assert.NotEqual(orphan, block.Ulid);
        await AssertSameAsync(reference, h, origin, h.Now);

        // An hour after its upload (the test clock starts up to 30 minutes before the real one), nothing
        // lists the orphan and no upload can still be in progress: it is deleted.
        h.Time.Advance(TimeSpan.FromMinutes(91));
        await h.Compactor.RunAsync(LongRetention, CancellationToken.None);
        Assert.DoesNotContain(orphan, await BlockFoldersAsync(h));
        Assert.Contains(h.Logs.Lines, l => l.Message.Contains(orphan, StringComparison.Ordinal) && l.Message.Contains("no manifest lists", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_compaction_that_dies_after_its_commit_loses_and_repeats_nothing()
    {
        await using var h = await StoreHarness.StartAsync(azurite.Azurite);
        var origin = h.Now;
        var reference = await WriteTicksAsync(h, 35, origin);

        // Both windows commit; the run then fails deleting the ticks they consumed.
        h.Faults.FailNext(BlobFaults.IsDelete);
        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => h.Compactor.RunAsync(LongRetention, CancellationToken.None));
        Assert.Equal(origin + 1_800_000, (await h.Manifests.ReadAsync(CancellationToken.None)).Manifest.CompactedThrough);
        await AssertSameAsync(reference, h, origin, h.Now);

        var report = await h.Compactor.RunAsync(LongRetention, CancellationToken.None);
        Assert.Equal(0, report.BlocksWritten);
        Assert.True(report.TicksDeleted > 0);
        await AssertSameAsync(reference, h, origin, h.Now);
    }

    [Fact]
    public async Task A_storage_outage_during_compaction_is_logged_and_the_next_run_resumes()
    {
        await using var h = await StoreHarness.StartAsync(azurite.Azurite, settings: new Dictionary<string, string?>
        {
            ["Alerting:SampleRetention"] = "1.00:00:00",
            ["Alerting:RuleFiles"] = "/nonexistent/*.rules.yml",
        });
        var runner = h.Runner;
        var origin = h.Now;
        var reference = await WriteTicksAsync(h, 25, origin);

        // Every block upload fails, as if storage went away in the middle of the run.
        h.Faults.FailNext(r => r.Uri.Path.Contains("/blocks/", StringComparison.Ordinal), 1000);
        Assert.Null(await runner.RunTickAsync(CancellationToken.None));
        Assert.Contains(h.Logs.Lines, l => l.Level == LogLevel.Error && l.Message.Contains("Compaction failed", StringComparison.Ordinal));
        Assert.Equal(0, (await h.Manifests.ReadAsync(CancellationToken.None)).Manifest.CompactedThrough);

        h.Faults.Clear();
        var report = await runner.RunTickAsync(CancellationToken.None);
        Assert.NotNull(report);
        Assert.Equal(2, report.BlocksWritten);
        await AssertSameAsync(reference, h, origin, h.Now);
    }

    [Fact]
    public async Task A_damaged_tick_is_reported_by_name_and_offset_and_every_other_tick_is_kept()
    {
        await using var h = await StoreHarness.StartAsync(azurite.Azurite);
        var origin = h.Now;
        var reference = new Head(SeriesSelection.All, 600_000);
        TickRef? damaged = null;
        while (h.Now < origin + (25 * 60_000))
        {
            var tick = await h.WriteFleetTickAsync(origin);
            if (h.Now == origin + (7 * 60_000) || h.Now == origin + (23 * 60_000))
            {
                // One tick in a window to compact, one in the head: both truncated.
                var t = (await h.Log.ListAsync(h.Now, h.Now, CancellationToken.None)).Single();
                var bytes = (await h.Log.ReadAsync(t.Name, CancellationToken.None))!;
                await h.Container.GetBlobClient(t.Name).UploadAsync(new BinaryData(bytes.AsSpan(0, bytes.Length / 2).ToArray()), overwrite: true);
                damaged ??= t;
            }
            else
            {
                reference.Append(tick);
            }
            h.Time.Advance(Step);
        }

        await h.Compactor.RunAsync(LongRetention, CancellationToken.None);
        Assert.Contains(h.Logs.Lines, l => l.Level == LogLevel.Error && l.Message.Contains(damaged!.Name, StringComparison.Ordinal) && l.Message.Contains("offset", StringComparison.Ordinal));
        await AssertSameAsync(reference, h, origin, h.Now);
        Assert.Equal(2, h.Logs.Lines.Count(l => l.Level == LogLevel.Error && l.Message.Contains("truncated", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_damaged_block_is_reported_and_left_out_while_the_other_blocks_and_the_head_answer()
    {
        await using var h = await StoreHarness.StartAsync(azurite.Azurite, settings: new Dictionary<string, string?> { ["Alerting:Tsdb:MaxLevel"] = "1" });
        var origin = h.Now;
        var reference = await WriteTicksAsync(h, 35, origin);
        await h.Compactor.RunAsync(LongRetention, CancellationToken.None);
        var manifest = (await h.Manifests.ReadAsync(CancellationToken.None)).Manifest;
        var victim = manifest.Blocks.OrderBy(b => b.MinTime).ElementAt(1);

        var index = h.Container.GetBlobClient(Alerting.Functions.Tsdb.BlockStore.IndexName(victim.Ulid));
        var bytes = (await index.DownloadContentAsync()).Value.Content.ToArray();
        Array.Fill<byte>(bytes, 0x5a, 40, 64);
        await index.UploadAsync(new BinaryData(bytes), overwrite: true);

        var querier = await h.Samples.QuerierAsync(SeriesSelection.All, CancellationToken.None);
        var got = querier.Select(Everything, origin, h.Now);
        var want = reference.Select(Everything, origin, h.Now);
        // Everything outside the damaged block's range is there; nothing inside it.
        foreach (var s in want)
        {
            var outside = s.Samples.Where(x => x.TimestampMs < victim.MinTime || x.TimestampMs >= victim.MaxTime).Select(x => x.TimestampMs);
            Assert.Equal(outside, got.Single(g => g.Labels == s.Labels).Samples.Select(x => x.TimestampMs));
        }
        var error = Assert.Single(h.Logs.Lines, l => l.Level == LogLevel.Error && l.Message.Contains(victim.Ulid, StringComparison.Ordinal));
        Assert.Contains("index", error.Message, StringComparison.Ordinal);
        Assert.Contains("offset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Blocks_past_the_retention_expire_and_their_blobs_go_after_the_grace_period()
    {
        await using var h = await StoreHarness.StartAsync(azurite.Azurite, settings: new Dictionary<string, string?> { ["Alerting:Tsdb:MaxLevel"] = "1" });
        var origin = h.Now;
        var reference = await WriteTicksAsync(h, 45, origin);

        await h.Compactor.RunAsync(TimeSpan.FromMinutes(25), CancellationToken.None);
        var manifest = (await h.Manifests.ReadAsync(CancellationToken.None)).Manifest;
        // [10m, 20m) was compacted and expired; [0, 10m) was already older than the retention, so its
        // ticks were deleted without ever becoming a block.
        Assert.All(manifest.Blocks, b => Assert.True(b.MaxTime > h.Now - 1_500_000));
        Assert.Single(manifest.PendingDeletes);
        Assert.Equal([origin + 1_200_000, origin + 1_800_000], manifest.Blocks.Select(b => b.MinTime).Order());

        h.Time.Advance(TimeSpan.FromMinutes(2));
        await h.Compactor.RunAsync(TimeSpan.FromMinutes(27), CancellationToken.None);
        Assert.Equal((await h.Manifests.ReadAsync(CancellationToken.None)).Manifest.Blocks.Select(b => b.Ulid).Order(StringComparer.Ordinal), await BlockFoldersAsync(h));
        await AssertSameAsync(reference, h, origin + 1_200_000, h.Now);
    }

    [Fact]
    public async Task A_manifest_that_does_not_parse_is_rebuilt_from_the_blocks()
    {
        await using var h = await StoreHarness.StartAsync(azurite.Azurite);
        var origin = h.Now;
        var reference = await WriteTicksAsync(h, 45, origin);
        await h.Compactor.RunAsync(LongRetention, CancellationToken.None);
        var before = (await h.Manifests.ReadAsync(CancellationToken.None)).Manifest;

        await h.Container.GetBlobClient("manifest.json").UploadAsync(new BinaryData("{\"blocks\": [tru"u8.ToArray()), overwrite: true);
        await using var fresh = await StoreHarness.StartAsync(azurite.Azurite, h.Time, clean: false);
        await fresh.Compactor.RunAsync(LongRetention, CancellationToken.None);

        var after = (await fresh.Manifests.ReadAsync(CancellationToken.None)).Manifest;
        Assert.Equal(before.CompactedThrough, after.CompactedThrough);
        Assert.Equal(before.Blocks.Select(b => b.Ulid).Order(StringComparer.Ordinal), after.Blocks.Select(b => b.Ulid).Order(StringComparer.Ordinal));
        Assert.Contains(fresh.Logs.Lines, l => l.Message.Contains("does not parse", StringComparison.Ordinal));
        await AssertSameAsync(reference, fresh, origin, fresh.Now);
    }

    [Fact]
    public async Task The_head_keeps_only_the_selected_series_and_answers_other_queries_from_the_tick_log()
    {
        await using var h = await StoreHarness.StartAsync(azurite.Azurite);
        var origin = h.Now;
        var reference = await WriteTicksAsync(h, 5, origin);
        var up = new[] { new LabelMatcher(MatcherType.Equal, "__name__", "up") };

        var querier = await h.Samples.QuerierAsync(SeriesSelection.Of([up]), CancellationToken.None);
        Assert.Equal(3, h.Samples.HeadStats.Series);
        Assert.Equal(reference.Select(up, origin, h.Now).Sum(s => s.Samples.Count), querier.Select(up, origin, h.Now).Sum(s => s.Samples.Count));
        var errors = new[] { new LabelMatcher(MatcherType.Equal, "__name__", "errors_total") };
        Assert.Equal(reference.Select(errors, origin, h.Now).Sum(s => s.Samples.Count), querier.Select(errors, origin, h.Now).Sum(s => s.Samples.Count));
        Assert.Equal(["errors_total", "up", "y"], querier.LabelValues("__name__", [], origin, h.Now));
    }

    /// <summary>A rule group's output tick: one recorded sample of <c>job:up:sum</c> at the current time.</summary>
    private static ScrapeTick OutputTick(StoreHarness h, double value) =>
        new("__rules__/g", h.Now, [new TargetSamples("g", [new CollectedSample(Labels.From(("__name__", "job:up:sum")), value, h.Now)])]);

    private static bool IsRulesTickRead(Azure.Core.Request r) =>
        r.Method == Azure.Core.RequestMethod.Get && r.Uri.Path.Contains("__rules__", StringComparison.Ordinal);

    [Fact]
    public async Task An_instances_own_output_tick_is_queryable_at_once_and_never_downloaded_back_while_other_instances_read_it_from_the_log()
    {
        await using var a = await StoreHarness.StartAsync(azurite.Azurite);
        await using var b = await StoreHarness.StartAsync(azurite.Azurite, a.Time, clean: false);
        var origin = a.Now;
        await WriteTicksAsync(a, 3, origin);
        var recorded = new[] { new LabelMatcher(MatcherType.Equal, "__name__", "job:up:sum") };
        await a.Samples.QuerierAsync(SeriesSelection.All, CancellationToken.None);
        // The group's first tick: the head has no earlier one of its job, so it comes in through the log.
        await a.Samples.AppendOwnAsync(OutputTick(a, 1), CancellationToken.None);
        var querier = await a.Samples.QuerierAsync(SeriesSelection.All, CancellationToken.None);
        Assert.Equal([1.0], querier.Select(recorded, origin, a.Now).SelectMany(s => s.Samples).Select(x => x.Value));

        a.Time.Advance(Step);
        var second = a.Now;
        await a.Samples.AppendOwnAsync(OutputTick(a, 2), CancellationToken.None);
        // Before any catch-up, the querier already handed out sees it: it is in the head.
        Assert.Equal([1.0, 2.0], querier.Select(recorded, origin, a.Now).SelectMany(s => s.Samples).Select(x => x.Value));

        // Downloads of output ticks would now fail: the catch-up must not make any, and must not append it twice.
        a.Faults.FailNext(IsRulesTickRead, 1000);
        a.Time.Advance(Step);
        await a.WriteFleetTickAsync(origin);
        querier = await a.Samples.QuerierAsync(SeriesSelection.All, CancellationToken.None);
        Assert.Equal(0, a.Faults.Injected);
        Assert.Equal([(origin + (3 * 60_000), 1.0), (second, 2.0)], querier.Select(recorded, origin, a.Now).SelectMany(s => s.Samples).Select(x => (x.TimestampMs, x.Value)));
        a.Faults.Clear();

        // Another instance has only the log: it reads both ticks from there.
        var other = await b.Samples.QuerierAsync(SeriesSelection.All, CancellationToken.None);
        Assert.Equal([1.0, 2.0], other.Select(recorded, origin, b.Now).SelectMany(s => s.Samples).Select(x => x.Value));
    }

    [Fact]
    public async Task A_tick_stamped_ahead_of_this_instances_clock_is_read_once_its_time_has_come()
    {
        await using var h = await StoreHarness.StartAsync(azurite.Azurite);
        var origin = h.Now;
        await WriteTicksAsync(h, 2, origin);
        await h.Samples.QuerierAsync(SeriesSelection.All, CancellationToken.None);
        // A writer whose clock runs five minutes ahead.
        var ahead = h.Now + 300_000;
        var sample = new CollectedSample(Labels.From(("__name__", "ahead"), ("job", "skewed")), 7, ahead);
        await h.Log.WriteAsync(new ScrapeTick("skewed", ahead, [new TargetSamples("w", [sample])]), CancellationToken.None);
        var matcher = new[] { new LabelMatcher(MatcherType.Equal, "__name__", "ahead") };

        // A catch-up before its time: the listing moves on past the writer's clock without it.
        h.Time.Advance(TimeSpan.FromMinutes(2));
        await h.Samples.QuerierAsync(SeriesSelection.All, CancellationToken.None);

        h.Time.Advance(TimeSpan.FromMinutes(3));
        var later = await h.Samples.QuerierAsync(SeriesSelection.All, CancellationToken.None);
        Assert.Equal([(ahead, 7.0)], later.Select(matcher, origin, ahead).SelectMany(s => s.Samples).Select(x => (x.TimestampMs, x.Value)));
    }

    [Fact]
    public async Task Concurrent_evaluations_on_one_instance_share_a_catch_up_and_a_later_one_still_sees_a_new_tick()
    {
        await using var h = await StoreHarness.StartAsync(azurite.Azurite);
        var origin = h.Now;
        await WriteTicksAsync(h, 3, origin);
        await h.Samples.QuerierAsync(SeriesSelection.All, CancellationToken.None);
        var before = h.Faults.Lists;
        await h.Samples.QuerierAsync(SeriesSelection.All, CancellationToken.None);
        var perCatchUp = h.Faults.Lists - before;
        Assert.True(perCatchUp >= 1, "a warm catch-up lists the tick log");

        // Eight evaluations arrive at once: the first catches up, the second's catch-up begins after all the
        // others arrived and covers them.
        before = h.Faults.Lists;
        var queriers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => h.Samples.QuerierAsync(SeriesSelection.All, CancellationToken.None)));
        Assert.Equal(2 * perCatchUp, h.Faults.Lists - before);
        var up = new[] { new LabelMatcher(MatcherType.Equal, "__name__", "up") };
        Assert.All(queriers, q => Assert.Equal(3, q.Select(up, origin, h.Now).Count()));

        // A tick written after those catch-ups is seen by the next caller: it arrived after they began.
        var matcher = new[] { new LabelMatcher(MatcherType.Equal, "__name__", "late") };
        var sample = new CollectedSample(Labels.From(("__name__", "late"), ("job", "other")), 5, h.Now);
        await h.Log.WriteAsync(new ScrapeTick("other", h.Now, [new TargetSamples("w", [sample])]), CancellationToken.None);
        var next = await h.Samples.QuerierAsync(SeriesSelection.All, CancellationToken.None);
        Assert.Equal([(h.Now, 5.0)], next.Select(matcher, origin, h.Now).SelectMany(s => s.Samples).Select(x => (x.TimestampMs, x.Value)));
    }
}
