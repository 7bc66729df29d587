using System.Text;
using Alerting.Core.Exposition;
using Alerting.Core.Push;
using Alerting.Core.Discovery;
using Alerting.Core.Model;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Core.Tests.Scrape;

/// <summary>
/// Expectations recorded from the real prometheus-pushgateway 1.5.1 (Debian) on 127.0.0.1 with curl;
/// each test notes the request and the answer it gave.
/// </summary>
public sealed class PushgatewayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 13, 0, 0, TimeSpan.Zero);

    private static ScrapeResult Body(string text) => PushStore.ParseBody(Encoding.UTF8.GetBytes(text), null);

    private static Labels L(params (string, string)[] p) => Labels.From(p);

    [Fact]
    public void Seed_003_path_with_job_and_instance()
    {
        var key = PushGroupingKey.Parse("/metrics/job/loka-stratum/instance/host-7");
        Assert.Equal(L(("job", "loka-stratum"), ("instance", "host-7")), key.Labels);
        Assert.Equal("loka-stratum", key.Job);
    }

    [Theory]
    [InlineData("/metrics/job@base64/YS9i", "job", "a/b")] // 200, job="a/b"
    [InlineData("/metrics/job@base64/eHk", "job", "xy")] // unpadded: 200, job="xy"
    [InlineData("/metrics/job/j/instance@base64/=", "instance", "")] // lone '=' is the empty value
    [InlineData("/metrics/job/ab/instance@base64/YQ==", "instance", "a")]
    [InlineData("/metrics/job/ae/instance@base64/YQ=", "instance", "a")] // partial padding accepted
    [InlineData("/metrics/job/ac/instance@base64/Pz8-", "instance", "??>")] // URL-safe alphabet
    [InlineData("/metrics/job/a%20b", "job", "a b")] // percent-decoded
    [InlineData("/metrics/job/ak/instance/", "instance", "")] // trailing slash: empty value
    [InlineData("/metrics/job/ag/instance/x/instance/y", "instance", "y")] // last repeat wins
    [InlineData("/metrics/job/ah/job/x", "job", "ah")] // a job label in the tail is ignored
    [InlineData("/metrics/job/q/a/x=y", "a", "x=y")]
    public void Grouping_key_decoding_matches_the_pushgateway(string path, string label, string expected)
    {
        Assert.Equal(expected, PushGroupingKey.Parse(path).Labels[label]);
    }

    [Theory]
    [InlineData("/metrics/job/g/bad-label/x", 400, "improper label name \"bad-label\"")]
    [InlineData("/metrics/job/g/instance", 400, "odd number of components in label string \"/instance\"")]
    [InlineData("/metrics/job/ai/instance@base64", 400, "odd number of components in label string \"/instance@base64\"")]
    [InlineData("/metrics/job/v/__name__/x", 400, "improper label name \"__name__\"")]
    [InlineData("/metrics/job/w/__foo/x", 400, "improper label name \"__foo\"")]
    [InlineData("/metrics/job/aj/1abc/x", 400, "improper label name \"1abc\"")]
    [InlineData("/metrics/job/aa/instance@base64/!x", 400, "invalid base64 encoding for label instance=\"!x\": illegal base64 data at input byte 0")]
    [InlineData("/metrics/job/ad/instance@base64/Pz8+", 400, "invalid base64 encoding for label instance=\"Pz8+\": illegal base64 data at input byte 3")]
    [InlineData("/metrics/job/af/instance@base64/Y=Q", 400, "invalid base64 encoding for label instance=\"Y=Q\": illegal base64 data at input byte 1")]
    [InlineData("/metrics/", 404, "404 page not found")]
    public void Bad_paths_are_rejected_with_the_pushgateway_status_and_message(string path, int status, string message)
    {
        var ex = Assert.Throws<PushException>(() => PushGroupingKey.Parse(path));
        Assert.Equal(status, ex.StatusCode);
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Empty_job_is_rejected()
    {
        Assert.Equal(400, Assert.Throws<PushException>(() => PushGroupingKey.Parse("/metrics/job@base64/=")).StatusCode);
    }

    [Fact]
    public void Grouping_key_round_trips_through_its_canonical_path()
    {
        var key = PushGroupingKey.Parse("/metrics/job@base64/YS9i/instance/host%201/zone@base64/=");
        Assert.Equal(key, PushGroupingKey.Parse(key.ToPath()));
    }

    [Fact]
    public void Label_order_in_the_path_does_not_change_the_group()
    {
        Assert.Equal(PushGroupingKey.Parse("/metrics/job/am/b/2/a/1"), PushGroupingKey.Parse("/metrics/job/am/a/1/b/2"));
    }

    [Fact]
    public void Seed_003_push_is_exposed_with_grouping_labels_and_push_times()
    {
        var time = new FakeTimeProvider(T0);
        var store = new PushStore(time);
        var key = PushGroupingKey.Parse("/metrics/job/loka-stratum/instance/host1");
        store.Put(key, Body("# TYPE loka_stratum_errors_total counter\nloka_stratum_errors_total{error_type=\"connection_timeout\",service=\"loka-stratum\"} 1\n"));

        var samples = store.Gather();
        Assert.Contains(samples, s => s.Labels == L(("__name__", "loka_stratum_errors_total"), ("error_type", "connection_timeout"),
            ("instance", "host1"), ("job", "loka-stratum"), ("service", "loka-stratum")) && s.Value == 1);
        var pushTime = Assert.Single(samples, s => s.Labels.Name == "push_time_seconds");
        Assert.Equal(L(("__name__", "push_time_seconds"), ("instance", "host1"), ("job", "loka-stratum")), pushTime.Labels);
        Assert.Equal(T0.ToUnixTimeSeconds(), pushTime.Value);
        Assert.Equal(0, Assert.Single(samples, s => s.Labels.Name == "push_failure_time_seconds").Value);
    }

    [Fact]
    public void Put_replaces_the_whole_group_and_post_only_the_named_families()
    {
        // PUT fam_a{x=1},fam_a{x=2},fam_b; POST fam_a{x=3},fam_c => fam_a{x=3}, fam_b, fam_c.
        var store = new PushStore(new FakeTimeProvider(T0));
        var key = PushGroupingKey.Parse("/metrics/job/r");
        store.Put(key, Body("fam_a{x=\"1\"} 1\nfam_a{x=\"2\"} 1\nfam_b 1\n"));
        store.Post(key, Body("fam_a{x=\"3\"} 3\nfam_c 1\n"));
        Assert.Equal(["fam_a{job=\"r\", x=\"3\"}", "fam_b{job=\"r\"}", "fam_c{job=\"r\"}"], UserSeries(store));

        // PUT with an empty body empties the group but keeps it (its push_time_seconds stays exposed).
        store.Put(key, Body(""));
        Assert.Empty(UserSeries(store));
        Assert.Contains(store.Gather(), s => s.Labels.Name == "push_time_seconds");
    }

    [Fact]
    public void Post_keeps_histogram_series_together_as_one_family()
    {
        var store = new PushStore(new FakeTimeProvider(T0));
        var key = PushGroupingKey.Parse("/metrics/job/loka-stratum/instance/h");
        store.Put(key, Body("""
            # TYPE loka_stratum_request_duration_seconds histogram
            loka_stratum_request_duration_seconds_bucket{le="0.1"} 50
            loka_stratum_request_duration_seconds_bucket{le="+Inf"} 100
            loka_stratum_request_duration_seconds_sum 15.5
            loka_stratum_request_duration_seconds_count 100

            """));
        store.Post(key, Body("# TYPE loka_stratum_request_duration_seconds histogram\nloka_stratum_request_duration_seconds_count 101\n"));
        Assert.Equal(["loka_stratum_request_duration_seconds_count{instance=\"h\", job=\"loka-stratum\"}"], UserSeries(store));
    }

    [Fact]
    public void Delete_removes_the_group_and_unknown_groups_are_fine()
    {
        var store = new PushStore(new FakeTimeProvider(T0));
        var key = PushGroupingKey.Parse("/metrics/job/r");
        store.Put(key, Body("m 1\n"));
        Assert.True(store.Delete(key));
        Assert.Empty(store.Gather());
        Assert.False(store.Delete(PushGroupingKey.Parse("/metrics/job/nonexistent")));
    }

    [Fact]
    public void Grouping_labels_win_over_conflicting_body_labels_and_other_body_labels_stay()
    {
        // PUT /metrics/job/a  m1{job="other"} => m1{job="a"}; PUT /metrics/job/c/instance/x m3{instance="y"} => instance="x";
        // PUT /metrics/job/d m4{instance="y"} => m4{instance="y",job="d"}.
        var store = new PushStore(new FakeTimeProvider(T0));
        store.Put(PushGroupingKey.Parse("/metrics/job/a"), Body("m1{job=\"other\"} 1\n"));
        store.Put(PushGroupingKey.Parse("/metrics/job/c/instance/x"), Body("m3{instance=\"y\"} 1\n"));
        store.Put(PushGroupingKey.Parse("/metrics/job/d"), Body("m4{instance=\"y\"} 1\n"));
        Assert.Equal(["m1{job=\"a\"}", "m3{instance=\"x\", job=\"c\"}", "m4{instance=\"y\", job=\"d\"}"], UserSeries(store));
    }

    [Fact]
    public void Timestamps_are_rejected_and_stamp_the_failure_time_on_a_new_group()
    {
        // PUT /metrics/job/e "m5 1 1700000000000" => 400, group e exposed with push_time 0 and a failure time.
        var time = new FakeTimeProvider(T0);
        var store = new PushStore(time);
        var key = PushGroupingKey.Parse("/metrics/job/e");
        var ex = Assert.Throws<PushException>(() => store.Put(key, Body("m5 1 1700000000000\n")));
        Assert.Equal(400, ex.StatusCode);
        Assert.Equal("pushed metrics are invalid or inconsistent with existing metrics: pushed metrics must not have timestamps", ex.Message);
        var group = store.Get(key)!;
        Assert.Equal(0, group.LastPushMs);
        Assert.Equal(T0.ToUnixTimeMilliseconds(), group.LastFailureMs);
    }

    [Fact]
    public void A_failed_push_keeps_the_groups_previous_metrics()
    {
        var time = new FakeTimeProvider(T0);
        var store = new PushStore(time);
        var key = PushGroupingKey.Parse("/metrics/job/k");
        store.Put(key, Body("m 1\n"));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Throws<PushException>(() => store.Put(key, Body("m 2 1700000000000\n")));
        Assert.Equal(["m{job=\"k\"}"], UserSeries(store));
        var group = store.Get(key)!;
        Assert.Equal(T0.ToUnixTimeMilliseconds(), group.LastPushMs);
        Assert.Equal(T0.AddMinutes(1).ToUnixTimeMilliseconds(), group.LastFailureMs);
    }

    [Fact]
    public void Same_family_with_another_type_in_another_group_is_rejected()
    {
        // PUT job/a "# TYPE m1 gauge"; PUT job/h "# TYPE m1 counter" => 400 "... is not a COUNTER".
        var store = new PushStore(new FakeTimeProvider(T0));
        store.Put(PushGroupingKey.Parse("/metrics/job/a"), Body("# TYPE m1 gauge\nm1 1\n"));
        var ex = Assert.Throws<PushException>(() => store.Put(PushGroupingKey.Parse("/metrics/job/h"), Body("# TYPE m1 counter\nm1 1\n")));
        Assert.Equal(400, ex.StatusCode);
        Assert.StartsWith("pushed metrics are invalid or inconsistent with existing metrics:", ex.Message, StringComparison.Ordinal);
        Assert.Equal(T0.ToUnixTimeMilliseconds(), store.Get(PushGroupingKey.Parse("/metrics/job/h"))!.LastFailureMs);
    }

    [Fact]
    public void Duplicate_series_in_a_body_are_an_inconsistency_not_a_syntax_error()
    {
        // PUT job/l "m13 1\nm13 2" => 400 "... was collected before with the same name and label values", failure recorded.
        var store = new PushStore(new FakeTimeProvider(T0));
        var key = PushGroupingKey.Parse("/metrics/job/l");
        var ex = Assert.Throws<PushException>(() => store.Put(key, Body("m13 1\nm13 2\n")));
        Assert.Contains("was collected before with the same name and label values", ex.Message, StringComparison.Ordinal);
        Assert.NotEqual(0, store.Get(key)!.LastFailureMs);
    }

    [Fact]
    public void Reserved_label_names_in_the_body_are_rejected()
    {
        var store = new PushStore(new FakeTimeProvider(T0));
        var ex = Assert.Throws<PushException>(() => store.Put(PushGroupingKey.Parse("/metrics/job/y"), Body("# TYPE m19 gauge\nm19{__foo=\"x\"} 1\n")));
        Assert.Contains("has a label with an invalid name: __foo", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Syntax_errors_are_400_with_the_line_and_do_not_touch_the_store()
    {
        var ex = Assert.Throws<PushException>(() => Body("ok 1\nm6{ 1\n"));
        Assert.Equal(400, ex.StatusCode);
        Assert.StartsWith("text format parsing error in line 2:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_from_one_group_covers_the_family_on_the_metrics_page()
    {
        // PUT job/a "# TYPE m1 gauge\nm1 1"; PUT job/i "# HELP m1 other help\n# TYPE m1 gauge\nm1 2" => "# HELP m1 other help".
        var store = new PushStore(new FakeTimeProvider(T0));
        store.Put(PushGroupingKey.Parse("/metrics/job/a"), Body("# TYPE m1 gauge\nm1 1\n"));
        store.Put(PushGroupingKey.Parse("/metrics/job/i"), Body("# HELP m1 other help\n# TYPE m1 gauge\nm1 2\n"));
        var text = store.ToExposition();
        Assert.Contains("# HELP m1 other help\n# TYPE m1 gauge\nm1{job=\"a\"} 1\nm1{job=\"i\"} 2\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_protobuf_bodies_are_a_400_rather_than_misread()
    {
        var ex = Assert.Throws<PushException>(() => PushStore.ParseBody([1, 2, 3], "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"));
        Assert.Equal(400, ex.StatusCode);
    }

    [Fact]
    public void Pushed_push_time_metrics_are_accepted_and_ignored()
    {
        var store = new PushStore(new FakeTimeProvider(T0));
        store.Put(PushGroupingKey.Parse("/metrics/job/m"), Body("push_time_seconds 5\n"));
        Assert.Equal(T0.ToUnixTimeSeconds(), Assert.Single(store.Gather(), s => s.Labels.Name == "push_time_seconds").Value);
    }

    [Fact]
    public void Scraping_the_store_with_honor_labels_keeps_pushed_job_and_instance()
    {
        var store = new PushStore(new FakeTimeProvider(T0));
        store.Put(PushGroupingKey.Parse("/metrics/job/loka-stratum/instance/host1"), Body("loka_stratum_active_connections 42\n"));
        var sample = store.Gather().First(s => s.Labels.Name == "loka_stratum_active_connections");
        var target = L(("job", "error-tracker"), ("instance", "pushgateway:9091"));

        var honored = SampleLabels.Merge(sample.Labels, target, honorLabels: true)!;
        Assert.Equal("loka-stratum", honored["job"]);
        Assert.Equal("host1", honored["instance"]);

        var notHonored = SampleLabels.Merge(sample.Labels, target, honorLabels: false)!;
        Assert.Equal("error-tracker", notHonored["job"]);
        Assert.Equal("loka-stratum", notHonored["exported_job"]);
        Assert.Equal("host1", notHonored["exported_instance"]);
    }

    private static List<string> UserSeries(PushStore store) =>
        store.Gather().Where(s => s.Labels.Name is not ("push_time_seconds" or "push_failure_time_seconds"))
            .Select(s => s.Labels.ToString()).OrderBy(s => s, StringComparer.Ordinal).ToList();
}
