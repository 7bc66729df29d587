using System.Text.Json;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Exposition;
using Alerting.Core.Discovery;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Scrape;

/// <summary>
/// Compares our target relabelling with the real Prometheus 2.42: Data/relabel-check.prometheus.yml was
/// loaded by `prometheus` and its /api/v1/targets answer saved as relabel-check.prometheus-2.42-targets.json.
/// The config covers seed 002's instance regex, seed 000's Fly meta labels, hashmod, labelmap, lowercase,
/// a templated target label, Go's $-expansion corners and a custom separator.
/// </summary>
public sealed class PrometheusConformanceTests
{
    private static string DataFile(string name) => Path.Combine(TestPaths.RepoRoot, "tests", "Alerting.Core.Tests", "Scrape", "Data", name);

    [Fact]
    public void Target_labels_and_urls_match_prometheus_2_42()
    {
        var cfg = ScrapeConfigLoader.Load(DataFile("relabel-check.prometheus.yml"));
        Assert.Equal(2, cfg.ScrapeConfigs.Count);
        // 2.42 still added :80 to port-less addresses, so compare in that mode.
        var ours = cfg.ScrapeConfigs
            .SelectMany(job => TargetBuilder.BuildAll(job.StaticConfigs, job, addDefaultPort: true))
            .Select(r => r.Target!).ToList();

        using var expected = JsonDocument.Parse(File.ReadAllText(DataFile("relabel-check.prometheus-2.42-targets.json")));
        var theirs = expected.RootElement.EnumerateArray().Select(t => (
            Labels: Labels.From(t.GetProperty("labels").EnumerateObject().Select(p => new Label(p.Name, p.Value.GetString()!))),
            Url: t.GetProperty("scrapeUrl").GetString()!)).ToList();

        Assert.Equal(theirs.Count, ours.Count);
        foreach (var (labels, url) in theirs)
        {
            var match = Assert.Single(ours, t => t.Labels == labels);
            Assert.Equal(url, match.Url.OriginalString); // Uri.ToString() would hide an explicit default port
            ours.Remove(match);
        }
    }

    [Fact]
    public void Without_default_ports_a_bare_host_keeps_its_name_as_in_prometheus_3()
    {
        var cfg = ScrapeConfigLoader.Load(DataFile("relabel-check.prometheus.yml"));
        var job = cfg.ScrapeConfigs.Single(j => j.JobName == "relabel-check");
        var bare = TargetBuilder.BuildAll(job.StaticConfigs, job).Select(r => r.Target!).Single(t => t.Url.Host == "plainhost");
        Assert.Equal("plainhost", bare.Instance);
        Assert.Equal(new Uri("http://plainhost/metrics"), bare.Url);
    }

    /// <summary>
    /// Where we knowingly differ from Prometheus 2.42's scrape parser. CRLF line ends and leading blanks
    /// are accepted (Prometheus fails those scrapes with confusing errors); duplicate series fail the scrape
    /// (Prometheus silently keeps the first), because a duplicate means a broken exporter we should surface.
    /// </summary>
    private static readonly Dictionary<string, bool> Deviations = new(StringComparer.Ordinal)
    {
        ["t_crlf"] = true,
        ["t_leading_space"] = true,
        ["t_dup_series"] = false,
    };

    public static TheoryData<string> EdgeCaseNames()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(DataFile("exposition-edge-cases.prometheus-2.42.json")));
        var data = new TheoryData<string>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            data.Add(e.GetProperty("name").GetString()!);
        }
        return data;
    }

    /// <summary>
    /// Data/exposition-edge-cases.prometheus-2.42.json: 35 bodies served to a real Prometheus 2.42, with
    /// the target health it reported. We must accept exactly the bodies it accepted, except the listed deviations.
    /// </summary>
    [Theory]
    [MemberData(nameof(EdgeCaseNames))]
    public void Exposition_bodies_are_accepted_or_rejected_like_prometheus_2_42(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(DataFile("exposition-edge-cases.prometheus-2.42.json")));
        var e = doc.RootElement.EnumerateArray().Single(x => x.GetProperty("name").GetString() == name);
        var body = Convert.FromBase64String(e.GetProperty("bodyBase64").GetString()!);
        var contentType = e.GetProperty("contentType").GetString();
        var prometheusAccepted = e.GetProperty("prometheusHealth").GetString() == "up";

        bool weAccept;
        try
        {
            ExpositionParser.Parse(body, contentType);
            weAccept = true;
        }
        catch (ExpositionParseException)
        {
            weAccept = false;
        }
        var expected = Deviations.TryGetValue(name, out var deviation) ? deviation : prometheusAccepted;
        Assert.Equal(expected, weAccept);
    }
}
