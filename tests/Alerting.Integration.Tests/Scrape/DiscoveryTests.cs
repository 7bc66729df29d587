using Alerting.Core.Model;
using Alerting.DemoFleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Alerting.Integration.Tests.Scrape;

/// <summary>
/// file_sd, http_sd and dns_sd (A/AAAA through the OS resolver; SRV and a configured server in DnsSrvDiscoveryTests) feed the scrape tick like static targets (relabelled the same way), follow changes
/// to their sources, and a target that never answers costs only its own timeout.
/// </summary>
public sealed class DiscoveryTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private CollectionHost _host = null!;
    private DemoFleet.DemoFleet _fleet = null!;
    private LocalServer _sd = null!;
    private LocalServer _hung = null!;
    private volatile string _httpSdBody = "[]";

    private string FileSdPath => Path.Combine(_host.ConfigDir, "targets", "fleet.json");

    public async Task InitializeAsync()
    {
        var clock = TimeProvider.System;
        _fleet = await DemoFleet.DemoFleet.StartAsync(
            new[] { "1", "2", "3" }.Select(id => new FleetMachine(id, MachineMode.Healthy, clock, clock.GetUtcNow())).ToArray(), 0);
        _owned.Add(_fleet);
        _sd = await LocalServer.StartAsync(app => app.MapGet("/targets", () => Results.Text(_httpSdBody, "application/json")));
        _owned.Add(_sd);
        _hung = await LocalServer.StartAsync(app => app.MapGet("/metrics", async (HttpContext ctx) => await Task.Delay(Timeout.Infinite, ctx.RequestAborted)));
        _owned.Add(_hung);

        _host = await CollectionHost.StartAsync($"""
            global:
              scrape_interval: 30s
              scrape_timeout: 2s
            scrape_configs:
              - job_name: fleet
                file_sd_configs:
                  - files: ['targets/*.json']
                http_sd_configs:
                  - url: http://{_sd.Address}/targets
                    refresh_interval: 1m
                relabel_configs:
                  - source_labels: [__meta_filepath]
                    regex: '.+'
                    target_label: source
                    replacement: file
                  - source_labels: [__meta_url]
                    regex: '.+'
                    target_label: source
                    replacement: http
                  - source_labels: [machine]
                    target_label: instance
                  - action: labeldrop
                    regex: machine
              - job_name: dns
                dns_sd_configs:
                  - names: [localhost]
                    type: A
                    port: {_fleet.Machines[0].Port}
                relabel_configs:
                  - source_labels: [__meta_dns_name]
                    target_label: dns_name
            """);
        _owned.Add(_host);
        Directory.CreateDirectory(Path.GetDirectoryName(FileSdPath)!);
    }

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    private string Machine(int index) => $"127.0.0.1:{_fleet.Machines[index].Port}";

    private static string Groups(params (string Target, string Machine)[] targets) =>
        "[" + string.Join(",", targets.Select(t => $$$"""{"targets":["{{{t.Target}}}"],"labels":{"machine":"{{{t.Machine}}}"}}""")) + "]";

    private static Labels Up(string instance, string source) =>
        Labels.From(("__name__", "up"), ("instance", instance), ("job", "fleet"), ("source", source));

    [Fact]
    public async Task File_and_http_discovered_targets_are_relabelled_and_scraped_and_follow_their_sources()
    {
        await File.WriteAllTextAsync(FileSdPath, Groups((Machine(0), "vyx-user-1")));
        _httpSdBody = Groups((Machine(1), "vyx-user-2"), (_hung.Address, "hung"));

        var first = await _host.ScrapeAsync();

        Assert.Equal(1, first[Up("vyx-user-1", "file")]);
        Assert.Equal(1, first[Up("vyx-user-2", "http")]);
        Assert.Equal(0, first[Up("hung", "http")]);
        Assert.Contains(first.Keys, l => l.Name == "trader_executions_total" && l["instance"] == "vyx-user-2" && l["job"] == "fleet");
        Assert.DoesNotContain(first.Keys, l => l.Any(x => x.Name.StartsWith("__meta", StringComparison.Ordinal) || x.Name == "machine"));

        // The file changes: the next tick scrapes the new target without waiting for refresh_interval.
        await File.WriteAllTextAsync(FileSdPath, Groups((Machine(2), "vyx-user-3")));
        File.SetLastWriteTimeUtc(FileSdPath, DateTime.UtcNow.AddMinutes(1));
        // The http_sd answer changes too, but is only fetched again once its refresh_interval is over.
        _httpSdBody = Groups((Machine(1), "vyx-user-2b"));
        _host.Time.Advance(TimeSpan.FromSeconds(30));

        var second = await _host.ScrapeAsync();

        Assert.Equal(1, second[Up("vyx-user-3", "file")]);
        Assert.False(second.ContainsKey(Up("vyx-user-1", "file")));
        Assert.Equal(1, second[Up("vyx-user-2", "http")]);
        Assert.False(second.ContainsKey(Up("vyx-user-2b", "http")));

        _host.Time.Advance(TimeSpan.FromSeconds(31));
        var third = await _host.ScrapeAsync();

        Assert.Equal(1, third[Up("vyx-user-2b", "http")]);
        Assert.False(third.ContainsKey(Up("hung", "http")));
    }

    [Fact]
    public async Task Dns_a_records_become_targets_on_the_configured_port()
    {
        var series = await _host.ScrapeAsync();

        Assert.Equal(1, series[Labels.From(("__name__", "up"), ("dns_name", "localhost"), ("instance", Machine(0)), ("job", "dns"))]);
    }

    [Fact]
    public async Task A_failing_discovery_source_keeps_its_last_good_targets()
    {
        await File.WriteAllTextAsync(FileSdPath, Groups((Machine(0), "vyx-user-1")));
        _httpSdBody = Groups((Machine(1), "vyx-user-2"));
        await _host.ScrapeAsync();

        await File.WriteAllTextAsync(FileSdPath, "[{\"targets\": [\"broken\"");
        File.SetLastWriteTimeUtc(FileSdPath, DateTime.UtcNow.AddMinutes(1));
        _httpSdBody = "not json";
        _host.Time.Advance(TimeSpan.FromMinutes(2));

        var series = await _host.ScrapeAsync();

        Assert.Equal(1, series[Up("vyx-user-1", "file")]);
        Assert.Equal(1, series[Up("vyx-user-2", "http")]);
    }
}
