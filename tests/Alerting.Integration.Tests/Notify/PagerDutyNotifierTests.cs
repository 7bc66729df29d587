using System.Net;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Core.Templating;
using Alerting.Core.Tests;
using Alerting.Fakes;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.PagerDuty;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The PagerDuty notifier against the strict PagerDuty fake over HTTP: the events it sends are the ones
/// Alertmanager sends, and PagerDuty's answers are classified as Alertmanager classifies them.
/// </summary>
public sealed class PagerDutyNotifierTests : IAsyncLifetime
{
    private const string GroupKey = "{}:{alertname=\"DiskFull\"}";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private readonly TemplateSet _templates = NotifyTestKit.Templates();
    private readonly PagerDutyNotifier _notifier = PagerDutyTestKit.Notifier();
    private PagerDutyFake _fake = null!;

    public async Task InitializeAsync() => _fake = await PagerDutyTestKit.StartFakeAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private PagerDutyConfig Config(string extra = "", string routingKey = $"routing_key: '{PagerDutyTestKit.RoutingKey}'")
    {
        var yaml = $"""
            route:
              receiver: pager
            receivers:
              - name: pager
                pagerduty_configs:
                  - {routingKey}
                    url: '{_fake.EventsUrl}'
            {extra}
            """;
        return AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml").Receivers.Single().PagerDutyConfigs.Single();
    }

    private static Alert DiskFull(string instance, DateTimeOffset? endsAt = null, string summary = "Disk is full") => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", summary)),
        Started,
        endsAt,
        "http://prom/graph");

    private static Notification Group(params Alert[] alerts) =>
        new("pager", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", GroupKey) { Templates = Shared };

    private static readonly TemplateSet Shared = NotifyTestKit.Templates();

    private Task SendAsync(PagerDutyConfig config, Notification notification) =>
        _notifier.SendAsync(NotifyTestKit.Integration(config), notification with { Templates = _templates }, CancellationToken.None);

    private JsonObject LastEvent() => _fake.Received[^1].Body.AsObject();

    [Fact]
    public async Task A_firing_group_triggers_the_event_alertmanager_sends()
    {
        var config = Config("""
                    severity: '{{ .CommonLabels.severity }}'
                    component: '{{ .CommonLabels.instance }}'
                    group: 'fleet'
                    class: ''
                    details:
                      runbook: 'https://runbooks.test/{{ .CommonLabels.alertname }}'
                    links:
                      - href: '{{ .ExternalURL }}/alerts'
                        text: 'All alerts'
                      - href: '{{ if false }}never{{ end }}'
                        text: 'dropped: renders empty'
                    images:
                      - src: 'https://graphs.test/{{ .CommonLabels.instance }}.png'
                        alt: 'disk usage'
            """);

        await SendAsync(config, Group(DiskFull("vyx-user-1")));

        Assert.Empty(_fake.Rejected);
        var ev = LastEvent();
        Assert.Equal(PagerDutyTestKit.RoutingKey, (string?)ev["routing_key"]);
        Assert.Equal("trigger", (string?)ev["event_action"]);
        Assert.Equal(PagerDutyTestKit.AlertmanagerDedupKey(GroupKey), (string?)ev["dedup_key"]);
        Assert.Equal("Alertmanager", (string?)ev["client"]);
        Assert.Equal("http://alerting.test/#/alerts?receiver=pager", (string?)ev["client_url"]);
        var payload = ev["payload"]!.AsObject();
        Assert.Equal("[FIRING:1] DiskFull (vyx-user-1 critical)", (string?)payload["summary"]);
        Assert.Equal("Alertmanager", (string?)payload["source"]);
        Assert.Equal("critical", (string?)payload["severity"]);
        Assert.Equal("vyx-user-1", (string?)payload["component"]);
        Assert.Equal("fleet", (string?)payload["group"]);
        Assert.Null(payload["class"]);
        // Alertmanager 0.25 sends no timestamp, so PagerDuty shows when it received the event; neither do we.
        Assert.Null(payload["timestamp"]);
        var details = payload["custom_details"]!.AsObject();
        Assert.Equal("1", (string?)details["num_firing"]);
        Assert.Equal("0", (string?)details["num_resolved"]);
        Assert.Contains("alertname = DiskFull", (string?)details["firing"], StringComparison.Ordinal);
        Assert.Contains("summary = Disk is full", (string?)details["firing"], StringComparison.Ordinal);
        Assert.Equal(string.Empty, (string?)details["resolved"]);
        Assert.Equal("https://runbooks.test/DiskFull", (string?)details["runbook"]);
        var link = Assert.Single(ev["links"]!.AsArray())!;
        Assert.Equal("http://alerting.test/alerts", (string?)link["href"]);
        Assert.Equal("All alerts", (string?)link["text"]);
        var image = Assert.Single(ev["images"]!.AsArray())!;
        Assert.Equal("https://graphs.test/vyx-user-1.png", (string?)image["src"]);
        Assert.Equal("disk usage", (string?)image["alt"]);

        var incident = Assert.Single(_fake.Incidents);
        Assert.Equal("triggered", incident.Status);
    }

    [Fact]
    public async Task A_group_whose_alerts_all_resolved_resolves_the_same_incident()
    {
        var config = Config();
        await SendAsync(config, Group(DiskFull("vyx-user-1"), DiskFull("vyx-user-2")));
        await SendAsync(config, Group(DiskFull("vyx-user-1", Now.AddMinutes(-1)), DiskFull("vyx-user-2")));
        Assert.Equal("trigger", (string?)LastEvent()["event_action"]);
        Assert.Equal("1", (string?)LastEvent()["payload"]!["custom_details"]!["num_resolved"]);

        await SendAsync(config, Group(DiskFull("vyx-user-1", Now.AddMinutes(-1)), DiskFull("vyx-user-2", Now.AddMinutes(-1))));

        Assert.Equal("resolve", (string?)LastEvent()["event_action"]);
        Assert.Equal(PagerDutyTestKit.AlertmanagerDedupKey(GroupKey), (string?)LastEvent()["dedup_key"]);
        Assert.StartsWith("[RESOLVED] DiskFull", (string?)LastEvent()["payload"]!["summary"], StringComparison.Ordinal);
        var incident = Assert.Single(_fake.Incidents);
        Assert.Equal("resolved", incident.Status);
        Assert.Equal(3, incident.Events);
    }

    [Fact]
    public async Task A_summary_over_1024_characters_is_cut_to_1024_with_an_ellipsis_like_alertmanager()
    {
        var config = Config("""
                    description: '{{ .CommonAnnotations.summary }}'
            """);

        await SendAsync(config, Group(DiskFull("vyx-user-1", summary: string.Concat(Enumerable.Repeat("é", 2000)))));

        var summary = (string)LastEvent()["payload"]!["summary"]!;
        Assert.Equal(1024, summary.EnumerateRunes().Count());
        Assert.EndsWith("é…", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_routing_key_can_come_from_a_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, PagerDutyTestKit.RoutingKey + "\n");
            await SendAsync(Config(routingKey: $"routing_key_file: '{file}'"), Group(DiskFull("vyx-user-1")));
            Assert.Equal(PagerDutyTestKit.RoutingKey, (string?)LastEvent()["routing_key"]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_invalid_event_is_a_permanent_failure_carrying_pagerdutys_reasons()
    {
        var config = Config(routingKey: "routing_key: 'too-short'");

        var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(config, Group(DiskFull("vyx-user-1"))));

        Assert.Contains("Event object is invalid: Length of 'routing_key' is incorrect", e.Message, StringComparison.Ordinal);
        Assert.Single(_fake.Rejected);
        Assert.Empty(_fake.Incidents);
    }

    [Fact]
    public async Task Throttling_is_retryable_and_says_when_to_retry()
    {
        _fake.FailNext(429, 1);

        // A single attempt (the kit's notifier does not retry), so the classification itself is visible.
        var e = await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("vyx-user-1"))));

        Assert.Equal(HttpStatusCode.TooManyRequests, e.StatusCode);
        Assert.Contains("retry after 1s", e.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), e.RetryAfter?.Delta);
        Assert.Empty(_fake.Incidents);
        await SendAsync(Config(), Group(DiskFull("vyx-user-1")));
        Assert.Single(_fake.Incidents);
    }

    [Fact]
    public async Task A_server_error_is_retryable()
    {
        _fake.FailNext(503, 1);

        var e = await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("vyx-user-1"))));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.Empty(_fake.Received);
    }

    [Fact]
    public async Task A_v1_service_key_sends_alertmanagers_events_api_v1_message()
    {
        var key = "ServiceKeyOfThirtyTwoCharacters1";
        var yaml = $"""
            route:
              receiver: pager
            receivers:
              - name: pager
                pagerduty_configs:
                  - service_key: '{key}'
                    url: '{_fake.EventsV1Url}'
            """;
        var config = AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml").Receivers.Single().PagerDutyConfigs.Single();

        await SendAsync(config, Group(DiskFull("vyx-user-1")));

        Assert.Empty(_fake.Rejected);
        var ev = LastEvent();
        Assert.Equal(key, (string?)ev["service_key"]);
        Assert.Equal("trigger", (string?)ev["event_type"]);
        Assert.Equal(PagerDutyTestKit.AlertmanagerDedupKey(GroupKey), (string?)ev["incident_key"]);
        Assert.Equal("[FIRING:1] DiskFull (vyx-user-1 critical)", (string?)ev["description"]);
        // Alertmanager's v1 message carries the v2 fields empty: "event_action":"" and "payload":null.
        Assert.Equal(string.Empty, (string?)ev["event_action"]);
        Assert.True(ev.ContainsKey("payload") && ev["payload"] is null);
        Assert.Equal("1", (string?)ev["details"]!["num_firing"]);
        Assert.Equal("triggered", Assert.Single(_fake.Incidents).Status);

        await SendAsync(config, Group(DiskFull("vyx-user-1", Now.AddMinutes(-1))));
        Assert.Equal("resolve", (string?)LastEvent()["event_type"]);
        Assert.Null(LastEvent()["client"]);
        Assert.Equal("resolved", Assert.Single(_fake.Incidents).Status);
    }

    [Fact]
    public async Task A_template_that_fails_to_render_is_still_sent_with_the_raw_text()
    {
        var config = Config("""
                    description: '{{ template "no.such.template" . }}'
            """);

        await SendAsync(config, Group(DiskFull("vyx-user-1")));

        Assert.Equal(1, _fake.Requests);
        Assert.Equal("{{ template \"no.such.template\" . }}", (string?)LastEvent()["payload"]!["summary"]);
    }

    [Fact]
    public async Task Acknowledging_an_escalation_page_acknowledges_its_open_incident()
    {
        var config = Config();
        var alert = DiskFull("vyx-user-1");
        var page = Group(alert) with { Incident = new IncidentContext(alert.Fingerprint, Core.Acknowledgement.AlertStatus.Firing, null, null, null) };
        var receipt = await _notifier.SendAsync(NotifyTestKit.Integration(config), page, CancellationToken.None);

        await _notifier.UpdateAsync(receipt!, page with { Incident = page.Incident! with { Status = Core.Acknowledgement.AlertStatus.Acknowledged } }, CancellationToken.None);

        Assert.Equal("acknowledge", (string?)LastEvent()["event_action"]);
        Assert.Equal(PagerDutyNotifier.DedupKey(alert.Fingerprint, PagerDutyTestKit.RoutingKey), (string?)LastEvent()["dedup_key"]);
        Assert.Equal("acknowledged", Assert.Single(_fake.Incidents).Status);
    }

    [Fact]
    public async Task An_event_over_512_kB_loses_its_custom_details_like_alertmanager()
    {
        var huge = new string('x', 600_000);

        await SendAsync(Config(), Group(DiskFull("vyx-user-1", summary: huge)));

        var details = LastEvent()["payload"]!["custom_details"]!.AsObject();
        var only = Assert.Single(details);
        Assert.Equal("error", only.Key);
        Assert.Contains("exceeds the maximum size", (string?)only.Value, StringComparison.Ordinal);
        Assert.Single(_fake.Incidents);
    }
}
