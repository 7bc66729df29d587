using System.Diagnostics.Metrics;
using Alerting.Core.Config;
using Alerting.Core.Tests;
using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Functions.Tests.Pipeline;

/// <summary>
/// The configuration snapshot the app runs on: loaded once, versioned, reloaded only when a file (a
/// template included) changed and the check interval has passed, and a bad reload keeps what worked.
/// </summary>
public sealed class ConfigProviderTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly string _dir = Directory.CreateTempSubdirectory("config-provider-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private DateTime _stamp = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string GoodRules = "groups:\n  - name: good\n    rules:\n      - alert: Up\n        expr: up == 0\n";

    private const string Alertmanager = "route:\n  receiver: team\nreceivers:\n  - name: team\ntemplates: ['*.tmpl']\n";

    /// <summary>Writes a file with a write time of its own, so a rewrite within one clock tick still counts as a change.</summary>
    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        _stamp = _stamp.AddMinutes(1);
        File.SetLastWriteTimeUtc(path, _stamp);
        return path;
    }

    private ConfigProvider Provider() => new(
        Microsoft.Extensions.Options.Options.Create(new AlertingOptions
        {
            ScrapeConfigPath = Path.Combine(_dir, "scrape.yml"),
            RuleFiles = Path.Combine(_dir, "*.rules.yml"),
            AlertmanagerConfigPath = Path.Combine(_dir, "alertmanager.yml"),
            DefaultTemplatesPath = Path.Combine(TestPaths.RepoRoot, "rules", "templates"),
            ConfigCheckInterval = Interval,
        }),
        NullLogger<ConfigProvider>.Instance,
        _time);

    private void WriteAll()
    {
        Write("scrape.yml", "scrape_configs:\n  - job_name: node\n    static_configs: [{targets: ['h:9100']}]\n");
        Write("a.rules.yml", GoodRules);
        Write("alertmanager.yml", Alertmanager);
        Write("custom.tmpl", "{{ define \"custom.title\" }}v1{{ end }}");
    }

    [Fact]
    public void Every_file_loads_into_one_versioned_snapshot()
    {
        WriteAll();
        var snapshot = Provider().Current;

        Assert.Equal(1, snapshot.Version);
        Assert.Equal("node", Assert.Single(snapshot.Scrape!.ScrapeConfigs).JobName);
        Assert.Equal("good", Assert.Single(Assert.Single(snapshot.RuleFiles).Groups).Name);
        Assert.Equal("team", snapshot.Alertmanager!.Root.Receiver);
        Assert.Equal("v1", snapshot.Templates!.ExecuteText("{{ template \"custom.title\" . }}", new object()));
        Assert.Empty(snapshot.Problems);
    }

    [Fact]
    public void An_edit_is_picked_up_only_after_the_check_interval_and_bumps_the_version()
    {
        WriteAll();
        var provider = Provider();
        var first = provider.Current;
        Write("a.rules.yml", GoodRules.Replace("up == 0", "up == 1", StringComparison.Ordinal));

        Assert.Same(first, provider.Current);
        _time.Advance(Interval);

        var second = provider.Current;
        Assert.Equal(2, second.Version);
        Assert.Equal("up == 1", second.RuleFiles[0].Groups[0].Rules[0].ExprText);
        _time.Advance(Interval);
        Assert.Same(second, provider.Current);
    }

    [Fact]
    public void A_template_edit_reloads_the_templates()
    {
        WriteAll();
        var provider = Provider();
        _ = provider.Current;
        Write("custom.tmpl", "{{ define \"custom.title\" }}v2{{ end }}");
        _time.Advance(Interval);

        Assert.Equal("v2", provider.Current.Templates!.ExecuteText("{{ template \"custom.title\" . }}", new object()));
    }

    [Fact]
    public void A_bad_reload_keeps_the_last_good_part_and_says_where_it_broke()
    {
        WriteAll();
        var provider = Provider();
        _ = provider.Current;
        Write("alertmanager.yml", "route:\n  receiver: team\n  group_wait: soon\nreceivers:\n  - name: team\n");
        Write("b.rules.yml", "groups:\n  - name: broken\n    rules:\n      - alert: X\n        expr: 'up +'\n");
        _time.Advance(Interval);

        var snapshot = provider.Current;
        Assert.Equal(2, snapshot.Version);
        Assert.Equal("team", snapshot.Alertmanager!.Root.Receiver);
        Assert.Equal("not a valid duration string: \"soon\"", snapshot.AlertmanagerError!.Message);
        Assert.Equal((3, "route.group_wait"), (snapshot.AlertmanagerError.Line, snapshot.AlertmanagerError.KeyPath));
        Assert.Equal("good", Assert.Single(snapshot.RuleFiles).Groups[0].Name);
        Assert.EndsWith("b.rules.yml", Assert.Single(snapshot.RuleFileErrors).File, StringComparison.Ordinal);
    }

    [Fact]
    public void A_part_that_never_loaded_is_an_error_naming_the_file()
    {
        Write("a.rules.yml", GoodRules);
        var provider = Provider();

        var e = Assert.Throws<ConfigException>(() => provider.Alertmanager());
        Assert.EndsWith("alertmanager.yml", e.File, StringComparison.Ordinal);
        Assert.Single(provider.RuleFiles());
    }

    [Fact]
    public void The_version_gauge_reports_the_snapshot_in_force()
    {
        WriteAll();
        using var provider = Provider();
        long? observed = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ConfigProvider.MeterName && instrument.Name == "alerting_config_version")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => observed = value);
        listener.Start();
        _ = provider.Current;
        Write("a.rules.yml", GoodRules + "\n");
        _time.Advance(Interval);
        _ = provider.Current;

        listener.RecordObservableInstruments();
        Assert.Equal(2, observed);
    }
}
