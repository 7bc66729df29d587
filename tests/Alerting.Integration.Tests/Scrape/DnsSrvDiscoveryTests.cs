using Alerting.Core.Model;
using Alerting.DemoFleet;
using Alerting.Integration.Tests.Notify;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alerting.Integration.Tests.Scrape;

/// <summary>
/// dns_sd against a real DNS server (dnsmasq on a loopback port, named by <c>Alerting:DnsServer</c>): SRV answers
/// become <c>target:port</c> targets with Prometheus' <c>__meta_dns_*</c> labels, A answers use the configured
/// port, and a name that does not exist yields no targets and a warning instead of failing the tick.
/// </summary>
public sealed class DnsSrvDiscoveryTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly CapturedLogs _logs = new();
    private CollectionHost _host = null!;
    private DemoFleet.DemoFleet _fleet = null!;
    private Dnsmasq _dns = null!;

    private int Port(int index) => _fleet.Machines[index].Port;

    public async Task InitializeAsync()
    {
        var clock = TimeProvider.System;
        _fleet = await DemoFleet.DemoFleet.StartAsync(
            new[] { "1", "2" }.Select(id => new FleetMachine(id, MachineMode.Healthy, clock, clock.GetUtcNow())).ToArray(), 0);
        _owned.Add(_fleet);
        var dns = _dns = await Dnsmasq.StartAsync(
            [("vyx-user-1.internal", "127.0.0.1"), ("vyx-user-2.internal", "127.0.0.1")],
            [("_metrics._tcp.vyx.internal", "vyx-user-1.internal", Port(0)), ("_metrics._tcp.vyx.internal", "vyx-user-2.internal", Port(1))]);
        _owned.Add(dns);

        // The scraper connects through the OS resolver, as Prometheus does, and the OS does not know the
        // test's .internal names; so the SRV job keeps the discovered address as its instance and dials the
        // SRV port on loopback, where the demo fleet listens.
        _host = await CollectionHost.StartAsync(
            $"""
            global:
              scrape_interval: 30s
              scrape_timeout: 2s
            scrape_configs:
              - job_name: srv
                dns_sd_configs:
                  - names: [_metrics._tcp.vyx.internal]
                relabel_configs:
                  - source_labels: [__address__]
                    target_label: instance
                  - source_labels: [__meta_dns_srv_record_port]
                    target_label: __address__
                    replacement: 127.0.0.1:$1
                  - source_labels: [__meta_dns_srv_record_target]
                    target_label: srv_target
                  - source_labels: [__meta_dns_name]
                    target_label: dns_name
              - job_name: a
                dns_sd_configs:
                  - names: [vyx-user-1.internal]
                    type: A
                    port: {Port(0)}
                  - names: [vyx-user-2.internal]
                    type: A
                    port: {Port(1)}
                relabel_configs:
                  - source_labels: [__meta_dns_name]
                    target_label: dns_name
              - job_name: missing
                dns_sd_configs:
                  - names: [vyx-user-404.internal, vyx-user-405.internal]
                    type: A
                    port: 9100
                  - names: [_metrics._tcp.nothing.internal]
            """,
            new Dictionary<string, string?> { ["Alerting:DnsServer"] = dns.Address },
            configureServices: s => s.AddSingleton<ILoggerProvider>(_logs));
        _owned.Add(_host);
    }

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    [Fact]
    public async Task Srv_records_become_target_port_targets_with_dns_meta_labels()
    {
        var series = await _host.ScrapeAsync();

        for (var i = 0; i < 2; i++)
        {
            var instance = $"vyx-user-{i + 1}.internal:{Port(i)}";
            Assert.Equal(1, series[Labels.From(
                ("__name__", "up"), ("dns_name", "_metrics._tcp.vyx.internal"), ("instance", instance), ("job", "srv"), ("srv_target", $"vyx-user-{i + 1}.internal."))]);
            Assert.Contains(series.Keys, l => l.Name == "trader_executions_total" && l["instance"] == instance && l["job"] == "srv");
        }
        Assert.Equal(2, series.Keys.Count(l => l.Name == "up" && l["job"] == "srv"));
    }

    [Fact]
    public async Task A_records_from_the_configured_server_use_the_configured_port()
    {
        var series = await _host.ScrapeAsync();

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(1, series[Labels.From(
                ("__name__", "up"), ("dns_name", $"vyx-user-{i + 1}.internal"), ("instance", $"127.0.0.1:{Port(i)}"), ("job", "a"))]);
        }
    }

    [Fact]
    public async Task A_name_that_does_not_exist_gives_no_targets_and_a_warning()
    {
        var series = await _host.ScrapeAsync();

        Assert.DoesNotContain(series.Keys, l => l["job"] == "missing");
        // The rest of the tick is unaffected.
        Assert.Contains(series.Keys, l => l.Name == "up" && l["job"] == "srv");
        var warnings = _logs.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message).ToArray();
        Assert.Contains(warnings, m => m.Contains("vyx-user-404.internal", StringComparison.Ordinal) && m.Contains("NXDOMAIN", StringComparison.Ordinal));
        Assert.Contains(warnings, m => m.Contains("_metrics._tcp.nothing.internal", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dead_dns_server_keeps_the_last_good_targets()
    {
        await _host.ScrapeAsync();
        await _dns.DisposeAsync();
        _host.Time.Advance(TimeSpan.FromMinutes(1));

        var series = await _host.ScrapeAsync();

        Assert.Equal(2, series.Keys.Count(l => l.Name == "up" && l["job"] == "srv" && series[l] == 1));
        Assert.Equal(2, series.Keys.Count(l => l.Name == "up" && l["job"] == "a" && series[l] == 1));
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("_metrics._tcp.vyx.internal failed", StringComparison.Ordinal));
    }
}
