using Alerting.Core.Config;
using Alerting.Core.Model;
using Alerting.Core.Remote.Write;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Tsdb.Compaction;
using Alerting.Core.Tsdb.Wal;

namespace Alerting.Core.Tests.Remote.Write;

public sealed class RemoteWriteConfigTests
{
    [Fact]
    public void Remote_write_reads_prometheus_keys_with_their_defaults()
    {
        var config = ScrapeConfigLoader.Parse("""
            global: {external_labels: {cluster: eu}}
            remote_write:
              - url: https://mimir.example/api/v1/push
                name: mimir
                remote_timeout: 10s
                headers: {X-Scope-OrgID: team-a}
                basic_auth: {username: u, password: p}
                write_relabel_configs:
                  - {source_labels: [__name__], regex: 'go_.*', action: drop}
                queue_config: {max_samples_per_send: 1000, min_backoff: 100ms, max_backoff: 10s, retry_on_http_429: false, max_shards: 10}
              - url: http://prometheus:9090/api/v1/write
            scrape_configs: []
            """);

        var mimir = config.RemoteWrite[0];
        Assert.Equal("mimir", mimir.Name);
        Assert.Equal(TimeSpan.FromSeconds(10), mimir.RemoteTimeout);
        Assert.Equal("team-a", mimir.Headers["X-Scope-OrgID"]);
        Assert.Equal("u", mimir.HttpConfig.BasicAuth!.Username);
        Assert.Single(mimir.WriteRelabelConfigs);
        Assert.Equal(1000, mimir.Queue.MaxSamplesPerSend);
        Assert.Equal(TimeSpan.FromMilliseconds(100), mimir.Queue.MinBackoff);
        Assert.False(mimir.Queue.RetryOnRateLimit);
        Assert.Contains(config.Warnings, w => w.Contains("max_shards", StringComparison.Ordinal));
        var plain = config.RemoteWrite[1];
        Assert.Equal(RemoteWriteConfig.DefaultName(plain.Url), plain.Name);
        Assert.Equal(500, plain.Queue.MaxSamplesPerSend);
        Assert.True(plain.Queue.RetryOnRateLimit);
    }

    [Theory]
    [InlineData("remote_write: [{url: http://x/w, shards: 3}]", "shards")]
    [InlineData("remote_write: [{url: http://x/w, queue_config: {max_samples: 3}}]", "max_samples")]
    [InlineData("remote_write: [{name: a}]", "url for remote_write is empty")]
    [InlineData("remote_write: [{url: 'ftp://x/w'}]", "must be an absolute http or https URL")]
    [InlineData("remote_write: [{url: http://x/w, headers: {Content-Encoding: gzip}}]", "Content-Encoding is a reserved header")]
    [InlineData("remote_write: [{url: http://x/w, name: a}, {url: http://y/w, name: a}]", "found multiple remote write configs")]
    [InlineData("remote_write: [{url: http://x/w, sigv4: {region: eu-west-1}}]", "sigv4 is a Prometheus option this system does not support")]
    [InlineData("remote_write: [{url: http://x/w, protobuf_message: io.prometheus.write.v2.Request}]", "remote write 1.0")]
    [InlineData("remote_write: [{url: http://x/w, queue_config: {max_samples_per_send: 0}}]", "max_samples_per_send must be greater than 0")]
    public void A_remote_write_entry_prometheus_would_refuse_or_we_cannot_honour_is_an_error_naming_it(string yaml, string expected)
    {
        var e = Assert.ThrowsAny<ConfigException>(() => ScrapeConfigLoader.Parse(yaml, "scrape.yml"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}

public sealed class RemoteWriteOutboxTests
{
    private static readonly RemoteWriteConfig Config = new()
    {
        Url = new Uri("http://r/api/v1/write"),
        Name = "r",
        Queue = new RemoteWriteQueueConfig { MaxSamplesPerSend = 3 },
        WriteRelabelConfigs = ScrapeConfigLoader.Parse("remote_write: [{url: http://r/w, write_relabel_configs: [{source_labels: [__name__], regex: drop_me, action: drop}]}]").RemoteWrite[0].WriteRelabelConfigs,
    };

    private static ScrapeTick Tick(long ms, params string[] names) =>
        new("job", ms, [new TargetSamples("t", names.Select(n => new CollectedSample(Labels.From(("__name__", n), ("job", "job")), ms / 1000.0, ms)).ToArray())]);

    [Fact]
    public void Samples_go_out_in_order_with_external_labels_relabelled_in_bounded_requests_and_gone_series_get_a_stale_marker()
    {
        var outbox = new RemoteWriteOutbox(Config, Labels.From(("cluster", "eu"), ("job", "ignored")));
        var first = new TickRef("job", 1000, "ticks/0000000/job/0000000001000-a.bin");
        var second = new TickRef("job", 2000, "ticks/0000000/job/0000000002000-b.bin");
        var batches = outbox.Add(first, Tick(1000, "a", "b", "drop_me"), 2000).ToList();
        Assert.Empty(batches);
        batches = outbox.Add(second, Tick(2000, "a"), 2000).ToList();
        var full = Assert.Single(batches);
        // a@1, b@1, a@2 fill the request; the stale marker for b waits for the next one.
        Assert.Equal(3, full.Request.SampleCount);
        Assert.Equal([first], full.Completes);
        Assert.All(full.Request.Series, s => Assert.Equal("eu", s.Labels.Single(l => l.Name == "cluster").Value));
        Assert.All(full.Request.Series, s => Assert.Equal("job", s.Labels.Single(l => l.Name == "job").Value));
        Assert.DoesNotContain(full.Request.Series, s => s.Labels.Any(l => l.Value == "drop_me"));
        var last = outbox.Flush()!;
        Assert.Equal([second], last.Completes);
        var stale = Assert.Single(last.Request.Series);
        Assert.Equal("b", stale.Labels.Single(l => l.Name == "__name__").Value);
        Assert.True(Sample.IsStaleMarker(stale.Samples.Single().Value));
        Assert.Equal(2000, stale.Samples.Single().TimestampMs);
    }

    [Fact]
    public void The_cursor_returns_only_unsent_ticks_and_never_moves_its_floor_past_one_still_pending()
    {
        TickRef T(long ms, string id) => new("job", ms, $"ticks/0000000/job/{ms:D13}-{id}.bin");
        var cursor = RemoteWriteCursor.StartingAt(0);
        var listed = new[] { T(3000, "c"), T(1000, "a"), T(2000, "b") };
        var pending = cursor.Pending(listed);
        Assert.Equal(["a", "b", "c"], pending.Select(p => p.Name[^5..^4]));

        var next = cursor.Advance([pending[0]], [pending[1], pending[2]], nowMs: 600_000, TimeSpan.FromMinutes(5));
        // The floor rises to the oldest tick still pending; what is below it was sent.
        Assert.Equal(2000, next.FloorMs);
        Assert.Equal([T(2000, "b"), T(3000, "c")], next.Pending(listed));
        var parsed = RemoteWriteCursor.Parse(next.ToJson());
        Assert.Equal(next, parsed);

        var done = next.Advance([pending[1], pending[2]], [], nowMs: 600_000, TimeSpan.FromMinutes(5));
        Assert.Equal(300_000, done.FloorMs);
        Assert.Empty(done.Pending(listed.Append(T(400_000, "d")).Where(t => t.TimestampMs < 300_000)));
        Assert.Equal(done, done.Merge(next));
    }
}
