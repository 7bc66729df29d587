using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.DemoFleet;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Alertmanager;

/// <summary>
/// Silences mute at flush time, like Alertmanager's silence stage: a silence created after an alert
/// was notified still mutes what would be sent next, and expiring it lets notifications resume.
/// </summary>
public sealed class SilenceMuteTests : IAsyncLifetime
{
    private const string Key = "?code=local-function-key";
    private AlertingStack _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], alertmanagerYaml: "placeholder");
        // Short repeat_interval so a repeat is due within the test; grouping by alertname only, so a
        // second instance joins the already notified group.
        var yaml = AlertingStack.DefaultAlertmanagerYaml(_stack)
            .Replace("group_by: ['alertname', 'severity']", "group_by: ['alertname']", StringComparison.Ordinal)
            .Replace("repeat_interval: 4h", "repeat_interval: 3m", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(_stack.ConfigDir, "alertmanager.yml"), yaml);
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private async Task PostAlertsAsync(params string[] instances)
    {
        var items = string.Join(',', instances.Select(i =>
            $"{{\"labels\":{{\"alertname\":\"DiskFull\",\"severity\":\"critical\",\"instance\":\"{i}\"}},\"annotations\":{{\"summary\":\"disk full on {i}\"}}}}"));
        using var response = await _stack.Http.PostAsync("api/v2/alerts" + Key, new StringContent("[" + items + "]", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<string> SilenceAsync(string name, string value)
    {
        var now = _stack.Time.GetUtcNow();
        var body = $"{{\"matchers\":[{{\"name\":\"{name}\",\"value\":\"{value}\",\"isRegex\":false}}],\"startsAt\":\"{Silence.FormatTime(now)}\"," +
                   $"\"endsAt\":\"{Silence.FormatTime(now.AddHours(2))}\",\"createdBy\":\"ops\",\"comment\":\"maintenance\"}}";
        using var response = await _stack.Http.PostAsync("api/v2/silences" + Key, new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["silenceID"]!.GetValue<string>();
    }

    /// <summary>Advances application time in 10 s steps, re-posting the alerts each minute as Prometheus would.</summary>
    private async Task RunAsync(TimeSpan total, params string[] instances)
    {
        for (var t = TimeSpan.Zero; t < total; t += TimeSpan.FromSeconds(10))
        {
            if (t.TotalSeconds % 60 == 0)
            {
                await PostAlertsAsync(instances);
            }
            await _stack.DrainAsync();
            _stack.Time.Advance(TimeSpan.FromSeconds(10));
        }
        await _stack.DrainAsync();
    }

    private int SlackMessages => _stack.Slack.Received.Count;

    [Fact]
    public async Task A_silence_created_after_the_alert_fired_mutes_its_repeats_until_it_is_expired()
    {
        await RunAsync(TimeSpan.FromSeconds(30), "a");
        Assert.Equal("[FIRING:1] DiskFull ", Assert.Single(_stack.SlackTitles())[..20]);

        var id = await SilenceAsync("alertname", "DiskFull");
        // Two repeat intervals pass while the alert keeps firing: nothing is sent.
        await RunAsync(TimeSpan.FromMinutes(7), "a");
        Assert.Equal(1, SlackMessages);

        using var expire = await _stack.Http.DeleteAsync($"api/v2/silence/{id}{Key}");
        Assert.Equal(HttpStatusCode.OK, expire.StatusCode);
        await RunAsync(TimeSpan.FromMinutes(2), "a");
        Assert.Equal(2, SlackMessages);
        Assert.StartsWith("[FIRING:1] DiskFull ", _stack.SlackTitles()[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silenced_alert_joining_a_notified_group_sends_nothing_new()
    {
        await RunAsync(TimeSpan.FromSeconds(30), "a");
        Assert.Equal(1, SlackMessages);

        await SilenceAsync("instance", "b");
        await RunAsync(TimeSpan.FromMinutes(2), "a", "b");

        // Without the silence "b" would have triggered "[FIRING:2]" at the next group_interval.
        Assert.Equal(1, SlackMessages);
        Assert.Single(await _stack.EmailSubjectsAsync());
    }

    [Fact]
    public async Task A_silence_that_matches_nothing_leaves_notifications_alone()
    {
        await RunAsync(TimeSpan.FromSeconds(30), "a");
        Assert.Equal(1, SlackMessages);

        await SilenceAsync("instance", "someone-else");
        await RunAsync(TimeSpan.FromMinutes(2), "a", "b");

        var titles = _stack.SlackTitles();
        Assert.Equal(2, titles.Count);
        Assert.StartsWith("[FIRING:2] DiskFull ", titles[1], StringComparison.Ordinal);
    }
}
