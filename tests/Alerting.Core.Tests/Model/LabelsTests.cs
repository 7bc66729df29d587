using Alerting.Core.Model;

namespace Alerting.Core.Tests.Model;

public sealed class LabelsTests
{
    [Fact]
    public void Order_of_construction_does_not_change_identity()
    {
        var a = Labels.From(("job", "fly"), ("instance", "m1"));
        var b = Labels.From(("instance", "m1"), ("job", "fly"));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(a.Fingerprint(), b.Fingerprint());
    }

    [Fact]
    public void Empty_values_are_absent_labels()
    {
        var a = Labels.From(("job", "fly"), ("instance", ""));
        Assert.False(a.Has("instance"));
        Assert.Equal(string.Empty, a["instance"]);
        Assert.Equal(Labels.From(("job", "fly")), a);
    }

    [Fact]
    public void Fingerprint_matches_alertmanager_for_known_label_set()
    {
        // Value computed with Prometheus' model.LabelSet{"alertname":"Test","severity":"critical"}.Fingerprint()
        // algorithm (FNV-1a 64 over name 0xff value 0xff); recomputed independently here.
        var labels = Labels.From(("alertname", "Test"), ("severity", "critical"));
        ulong h = 14695981039346656037UL;
        foreach (var part in new[] { "alertname", "Test", "severity", "critical" })
        {
            foreach (var b in System.Text.Encoding.UTF8.GetBytes(part))
            {
                h = (h ^ b) * 1099511628211UL;
            }
            h = (h ^ 0xff) * 1099511628211UL;
        }
        Assert.Equal(h, labels.Fingerprint());
        Assert.Equal(16, labels.FingerprintHex().Length);
    }

    [Fact]
    public void Renders_like_prometheus()
    {
        var a = Labels.From(("__name__", "up"), ("job", "fly"), ("instance", "a\"b"));
        Assert.Equal("up{instance=\"a\\\"b\", job=\"fly\"}", a.ToString());
    }

    [Fact]
    public void Regex_matchers_are_anchored_and_missing_label_is_empty()
    {
        var m = new LabelMatcher(MatcherType.Regex, "instance", "vyx-user-.*");
        Assert.True(m.Matches(Labels.From(("instance", "vyx-user-1"))));
        Assert.False(m.Matches(Labels.From(("instance", "x-vyx-user-1"))));
        var digits = new LabelMatcher(MatcherType.Regex, "instance", "vyx-user-[0-9]+");
        Assert.False(digits.Matches(Labels.From(("instance", "vyx-user-1\n"))), "a trailing newline is not an exact match, as in RE2");
        Assert.True(new LabelMatcher(MatcherType.Regex, "job", "(?P<app>vyx)-.*").Matches(Labels.From(("job", "vyx-user"))));
        var missing = new LabelMatcher(MatcherType.Equal, "team", "");
        Assert.True(missing.Matches(Labels.From(("job", "a"))));
    }

    [Fact]
    public void Annotations_keep_empty_values_that_labels_drop()
    {
        var json = "{\"summary\":\"\",\"runbook\":\"r\"}";
        var labels = System.Text.Json.JsonSerializer.Deserialize<Labels>(json, new System.Text.Json.JsonSerializerOptions { Converters = { new LabelsJsonConverter() } })!;
        var annotations = System.Text.Json.JsonSerializer.Deserialize<Labels>(json, new System.Text.Json.JsonSerializerOptions { Converters = { new AnnotationsJsonConverter() } })!;
        Assert.Single(labels);
        Assert.Equal(2, annotations.Count);
        Assert.Equal("", annotations.Get("summary"));
        Assert.Equal(json.Replace("\"summary\":\"\",", "", StringComparison.Ordinal), System.Text.Json.JsonSerializer.Serialize(labels, new System.Text.Json.JsonSerializerOptions { Converters = { new LabelsJsonConverter() } }));
        Assert.Equal("{\"runbook\":\"r\",\"summary\":\"\"}", System.Text.Json.JsonSerializer.Serialize(annotations, new System.Text.Json.JsonSerializerOptions { Converters = { new AnnotationsJsonConverter() } }));
    }
}
