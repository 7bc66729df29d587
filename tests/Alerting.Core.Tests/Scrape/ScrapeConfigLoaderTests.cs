using Alerting.Core.Config;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Relabel;
using Alerting.Core.Discovery;

namespace Alerting.Core.Tests.Scrape;

public sealed class ScrapeConfigLoaderTests
{
    // Seed 002's scrape config, verbatim.
    private const string Seed002 = """
        scrape_configs:
          - job_name: 'portfolio_manager'
            scrape_interval: 30s
            metrics_path: '/coordinator/metrics'
            static_configs:
              - targets:
                - 'instance1:5000'
                - 'instance2:5000'
                - 'instance3:5000'
            relabel_configs:
              - source_labels: [__address__]
                target_label: instance
                regex: '([^:]+):.*'
                replacement: '${1}'
        """;

    [Fact]
    public void Loads_seed_002_job_with_prometheus_defaults()
    {
        var cfg = ScrapeConfigLoader.Parse(Seed002, "prometheus.yml");
        var job = Assert.Single(cfg.ScrapeConfigs);
        Assert.Equal("portfolio_manager", job.JobName);
        Assert.Equal(TimeSpan.FromSeconds(30), job.ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), job.ScrapeTimeout);
        Assert.Equal("/coordinator/metrics", job.MetricsPath);
        Assert.Equal("http", job.Scheme);
        Assert.True(job.HonorTimestamps);
        Assert.False(job.HonorLabels);
        Assert.Equal(["instance1:5000", "instance2:5000", "instance3:5000"], Assert.Single(job.StaticConfigs).Targets);
        var relabel = Assert.Single(job.RelabelConfigs);
        Assert.Equal(RelabelAction.Replace, relabel.Action);
        Assert.Equal("([^:]+):.*", relabel.Regex.Pattern);
        Assert.Equal("${1}", relabel.Replacement);
        Assert.Equal(TimeSpan.FromMinutes(1), cfg.Global.ScrapeInterval);
    }

    [Fact]
    public void Seed_002_targets_get_instance_without_port_and_the_custom_metrics_path()
    {
        var job = ScrapeConfigLoader.Parse(Seed002).ScrapeConfigs[0];
        var targets = TargetBuilder.BuildAll(job.StaticConfigs, job).ToList();

        Assert.Equal(3, targets.Count);
        var first = targets[0].Target!;
        Assert.Equal("instance1", first.Instance);
        Assert.Equal("portfolio_manager", first.Job);
        Assert.Equal(new Uri("http://instance1:5000/coordinator/metrics"), first.Url);
        Assert.DoesNotContain(first.Labels, l => l.Name.StartsWith("__", StringComparison.Ordinal));
        Assert.Equal(2, first.Labels.Count);
    }

    [Fact]
    public void Job_timeout_defaults_to_the_global_timeout_capped_by_its_interval()
    {
        var cfg = ScrapeConfigLoader.Parse("""
            global:
              scrape_interval: 15s
              scrape_timeout: 12s
              evaluation_interval: 30s
              external_labels:
                region: ams
            scrape_configs:
              - job_name: fast
                scrape_interval: 5s
                static_configs: [{targets: ['a:1']}]
              - job_name: slow
                static_configs: [{targets: ['b:1']}]
            """);
        Assert.Equal(TimeSpan.FromSeconds(30), cfg.Global.EvaluationInterval);
        Assert.Equal("ams", cfg.Global.ExternalLabels["region"]);
        Assert.Equal(TimeSpan.FromSeconds(5), cfg.ScrapeConfigs[0].ScrapeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), cfg.ScrapeConfigs[1].ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(12), cfg.ScrapeConfigs[1].ScrapeTimeout);
    }

    [Fact]
    public void Global_timeout_defaults_below_a_short_global_interval()
    {
        var cfg = ScrapeConfigLoader.Parse("global:\n  scrape_interval: 5s\n");
        Assert.Equal(TimeSpan.FromSeconds(5), cfg.Global.ScrapeTimeout);
    }

    [Theory]
    [InlineData("scrape_configs:\n  - job_name: a\n    scrape_intervl: 5s\n", 3, "scrape_configs[0].scrape_intervl", "field scrape_intervl not found")]
    [InlineData("scrape_configs:\n  - job_name: a\n    scrape_interval: 5x\n", 3, "scrape_configs[0].scrape_interval", "not a valid duration string: \"5x\"")]
    [InlineData("scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n", 4, "scrape_configs[0].scrape_timeout", "scrape timeout greater than scrape interval for scrape config with job name \"a\"")]
    [InlineData("scrape_configs:\n  - job_name: a\n  - job_name: a\n", 3, "scrape_configs[1].job_name", "found multiple scrape configs with job name \"a\"")]
    [InlineData("scrape_configs:\n  - scrape_interval: 5s\n", 2, "scrape_configs[0].job_name", "job_name is empty")]
    [InlineData("scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['http://x:80/metrics']\n", 4, "scrape_configs[0].static_configs[0].targets[0]", "\"http://x:80/metrics\" is not a valid hostname")]
    [InlineData("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: replace\n        target_label: ''\n", 4, "scrape_configs[0].relabel_configs[0]", "relabel configuration for replace action requires 'target_label' value")]
    [InlineData("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: explode\n", 4, "scrape_configs[0].relabel_configs[0].action", "unknown relabel action \"explode\"")]
    [InlineData("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - regex: '(unclosed'\n", 4, "scrape_configs[0].relabel_configs[0].regex", "invalid regex")]
    [InlineData("scrape_configs:\n  - job_name: a\n    scheme: ftp\n", 3, "scrape_configs[0].scheme", "unknown scrape config scheme")]
    [InlineData("global:\n  scrape_interval: 5s\n  scrape_timeout: 6s\n", 3, "global.scrape_timeout", "global scrape timeout greater than scrape interval")]
    [InlineData("scrape_config:\n  - job_name: a\n", 1, "scrape_config", "field scrape_config not found")]
    [InlineData("global:\n  external_labels:\n    bad-name: x\n", 3, "global.external_labels.bad-name", "\"bad-name\" is not a valid label name")]
    [InlineData("scrape_config_files: ['jobs/*.yml']\n", 1, "scrape_config_files", "scrape_config_files is not supported")]
    public void Errors_name_the_file_line_and_key(string yaml, int line, string key, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ScrapeConfigLoader.Parse(yaml, "prom.yml"));
        Assert.Equal("prom.yml", ex.File);
        Assert.Equal(line, ex.Line);
        Assert.Equal(key, ex.Key);
        Assert.Contains(reason, ex.Detail, StringComparison.Ordinal);
        Assert.StartsWith($"prom.yml:{line}:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Alerting_section_is_accepted_with_a_warning_and_rule_files_are_kept()
    {
        var cfg = ScrapeConfigLoader.Parse("""
            rule_files: ['portfolio_manager_alerts.yml']
            alerting:
              alertmanagers:
                - static_configs: [{targets: ['localhost:9093']}]
            """, "prometheus.yml");
        Assert.Equal(["portfolio_manager_alerts.yml"], cfg.RuleFiles);
        Assert.Contains(cfg.Warnings, w => w.Contains("alerting", StringComparison.Ordinal));
    }
}
