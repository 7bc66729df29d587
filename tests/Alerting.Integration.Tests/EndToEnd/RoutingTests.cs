using System.Net;
using System.Text;
using Alerting.DemoFleet;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.EndToEnd;

/// <summary>Grouping, dedup and inhibition behave as Alertmanager's do, end to end on Azurite.</summary>
public sealed class RoutingTests : IAsyncLifetime
{
    private const string Key = "?code=local-function-key";
    private AlertingStack _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], alertmanagerYaml: "placeholder");
        await File.WriteAllTextAsync(Path.Combine(_stack.ConfigDir, "alertmanager.yml"), AlertingStack.DefaultAlertmanagerYaml(_stack) + """

            inhibit_rules:
              - source_matchers: ['severity="critical"']
                target_matchers: ['severity="warning"']
                equal: ['instance']
            """);
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private Task PostAsync(params (string Name, string Severity, string Instance)[] alerts) => PostAsync(null, alerts);

    private async Task PostAsync(DateTimeOffset? startsAt, params (string Name, string Severity, string Instance)[] alerts)
    {
        var items = string.Join(',', alerts.Select(a => System.Text.Json.JsonSerializer.Serialize(new
        {
            status = "firing",
            startsAt = startsAt ?? _stack.Time.GetUtcNow(),
            labels = new Dictionary<string, string> { ["alertname"] = a.Name, ["severity"] = a.Severity, ["instance"] = a.Instance },
            annotations = new Dictionary<string, string> { ["summary"] = a.Name + " on " + a.Instance },
        })));
        var response = await _stack.Http.PostAsync("api/alertmanager/webhook" + Key,
            new StringContent("{\"version\":\"4\",\"alerts\":[" + items + "]}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task SettleAsync(TimeSpan total)
    {
        for (var t = TimeSpan.Zero; t < total; t += TimeSpan.FromSeconds(10))
        {
            await _stack.DrainAsync();
            _stack.Time.Advance(TimeSpan.FromSeconds(10));
        }
        await _stack.DrainAsync();
    }

    [Fact]
    public async Task Alerts_arriving_within_group_wait_are_sent_together_once()
    {
        await PostAsync(("HighLatency", "critical", "a"));
        await _stack.DrainAsync();
        await PostAsync(("HighLatency", "critical", "b"));
        await SettleAsync(TimeSpan.FromSeconds(30));

        var titles = _stack.SlackTitles();
        Assert.Equal("[FIRING:2] HighLatency critical ", Assert.Single(titles)[..32]);

        // The same alerts again change nothing: the notification log says the receiver knows.
        await PostAsync(("HighLatency", "critical", "a"), ("HighLatency", "critical", "b"));
        await SettleAsync(TimeSpan.FromMinutes(3));
        Assert.Single(_stack.SlackTitles());
        Assert.Single(await _stack.EmailSubjectsAsync());
    }

    [Fact]
    public async Task An_alert_that_started_longer_than_group_wait_ago_is_sent_without_waiting_as_alertmanager_does()
    {
        // Alertmanager flushes a new group at once when its alert started over group_wait ago (a rule's
        // alert after its `for:`), instead of waiting group_wait again.
        await PostAsync(_stack.Time.GetUtcNow().AddMinutes(-10), ("DiskFull", "critical", "old"));
        await _stack.DrainAsync();

        Assert.Contains(_stack.SlackTitles(), t => t.Contains("DiskFull", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_critical_alert_inhibits_the_warning_on_the_same_instance_only()
    {
        await PostAsync(("DiskFull", "critical", "a"), ("DiskFilling", "warning", "a"), ("DiskFilling", "warning", "b"));
        await SettleAsync(TimeSpan.FromSeconds(40));

        var titles = _stack.SlackTitles();
        Assert.Contains(titles, t => t.StartsWith("[FIRING:1] DiskFull critical", StringComparison.Ordinal));
        // DiskFilling on "a" is inhibited; only "b" is notified.
        var warning = Assert.Single(titles, t => t.Contains("DiskFilling", StringComparison.Ordinal));
        Assert.StartsWith("[FIRING:1] DiskFilling warning", warning);
        Assert.Contains("b", warning.Split('(')[1]);
    }
}
