using System.Diagnostics;
using System.Globalization;
using System.Text;
using Alerting.Core.Tests;
using Alerting.DemoFleet;
using Alerting.Fakes;
using Alerting.Functions.Storage;
using Alerting.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// A Slack Web API receiver (<c>chat.postMessage</c> with a bot token) whose post Slack accepted but whose
/// answer never arrived (the process died, or the connection dropped, before the notification log recorded
/// it): the redelivered flush finds the post by its metadata with <c>conversations.history</c> and records
/// it instead of posting again. When it cannot look (a token without <c>channels:history</c>, Slack down)
/// it posts again and says why in one log line. Outcomes are what the channel shows.
/// </summary>
public sealed class SlackRedeliveryTests : IAsyncLifetime
{
    private const string Key = "?code=local-function-key";
    private const string Channel = "C0ALERTS001";

    private readonly CapturedLogs _logs = new();
    private AlertingStack? _stack;
    private SlackWebhookFake? _slack;

    private AlertingStack Stack => _stack ?? throw new InvalidOperationException("stack not started");

    private SlackWebhookFake Slack => _slack ?? throw new InvalidOperationException("Slack fake not started");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
        if (_slack is not null)
        {
            await _slack.DisposeAsync();
        }
        _logs.Dispose();
    }

    /// <summary>Starts the app with one Slack Web API receiver; failed queue messages come back after a second instead of thirty.</summary>
    private async Task StartAsync(IReadOnlySet<string>? scopes = null)
    {
        var hostJson = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "host.json")).Replace("\"00:00:30\"", "\"00:00:01\"", StringComparison.Ordinal);
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], hostJson: hostJson);
        // Slack's message timestamps come from the app's clock, as they would from a synchronised real one.
        var options = new SlackFakeOptions { Time = Stack.Time };
        _slack = await SlackWebhookFake.StartAsync(scopes is null ? options : options with { Scopes = scopes });
        await File.WriteAllTextAsync(Path.Combine(Stack.ConfigDir, "alertmanager.yml"), $$$"""
            route:
              receiver: 'chat'
              group_by: ['alertname']
              group_wait: 10s
              group_interval: 1m
              repeat_interval: 4h
            receivers:
              - name: 'chat'
                slack_configs:
                  - api_url: '{{{Slack.WebApiUrl}}}chat.postMessage'
                    app_token: '{{{Slack.BotToken}}}'
                    channel: '{{{Channel}}}'
                    title: '{{ .CommonLabels.alertname }} on {{ .CommonLabels.instance }}'
            """);
        WatchLogs();
    }

    private void WatchLogs() => Stack.Host.Services.GetRequiredService<ILoggerFactory>().AddProvider(_logs);

    private async Task FireAsync()
    {
        var starts = Stack.Time.GetUtcNow().AddMinutes(-5).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var payload = $$"""
            {"version":"4","groupKey":"upstream","status":"firing","receiver":"upstream",
             "groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am",
             "alerts":[{"status":"firing","labels":{"alertname":"DiskFull","instance":"vyx-user-1"},
                        "annotations":{"summary":"Disk is full"},"startsAt":"{{starts}}","endsAt":"0001-01-01T00:00:00Z",
                        "generatorURL":"http://prom/graph","fingerprint":"abc"}]}
            """;
        using var response = await Stack.Http.PostAsync("api/alertmanager/webhook" + Key, new StringContent(payload, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Fires the alert and drives the first flush, whose post Slack accepts before the connection drops.</summary>
    private async Task PostThenLoseTheAnswerAsync()
    {
        Slack.DropAfterPosting(1);
        await FireAsync();
        for (var i = 0; i < 6 && Slack.ChatMessages.Count == 0; i++)
        {
            await Stack.DrainAsync();
            Stack.Time.Advance(TimeSpan.FromSeconds(15));
        }
        Assert.Single(Slack.ChatMessages);
    }

    /// <summary>Drains without moving application time until the flush is recorded (its failed message returns after a second of real time).</summary>
    private async Task DrainUntilRecordedAsync()
    {
        var log = Stack.Host.Services.GetRequiredService<NotificationLogStore>();
        var groups = Stack.Host.Services.GetRequiredService<GroupStore>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Stack.DrainAsync();
            var group = (await groups.ListAsync(CancellationToken.None)).SingleOrDefault();
            if (group is not null && await log.GetAsync(group.GroupId, "slack-0", CancellationToken.None) is not null)
            {
                return;
            }
            await Task.Delay(200);
        }
        Assert.Fail("the redelivered flush was not recorded within 30 s");
    }

    private string[] LookupWarnings() => _logs.Lines
        .Where(l => l.Message.Contains("could not check whether an earlier unrecorded attempt", StringComparison.Ordinal))
        .Select(l => l.Message)
        .ToArray();

    [Fact]
    public async Task A_flush_redelivered_after_Slack_accepted_the_post_finds_it_and_the_channel_shows_one_message()
    {
        await StartAsync();
        await PostThenLoseTheAnswerAsync();

        // The app dies before it records the send, and a fresh one picks the flush up on the same storage.
        await Stack.RestartHostAsync();
        WatchLogs();
        await DrainUntilRecordedAsync();

        var message = Assert.Single(Slack.ChatMessages);
        Assert.Equal(Channel, message.Channel);
        Assert.Contains("DiskFull on vyx-user-1", message.Attachments!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains(_logs.Lines, l => l.Message.Contains($"already posted this notification ({Channel} {message.Ts})", StringComparison.Ordinal));
        Assert.Empty(LookupWarnings());
        Assert.Empty(Slack.ChatErrors);

        // Recorded as sent: the next flush, a group_interval later, has nothing new to say.
        for (var i = 0; i < 6; i++)
        {
            Stack.Time.Advance(TimeSpan.FromSeconds(15));
            await Stack.DrainAsync();
        }
        Assert.Single(Slack.ChatMessages);
    }

    [Fact]
    public async Task A_token_without_channels_history_posts_again_and_says_why_once()
    {
        await StartAsync(scopes: new HashSet<string>(StringComparer.Ordinal) { "chat:write" });
        await PostThenLoseTheAnswerAsync();

        await DrainUntilRecordedAsync();

        // At-least-once: the notification shows twice, and the log says why.
        Assert.Equal(2, Slack.ChatMessages.Count);
        var warning = Assert.Single(LookupWarnings());
        Assert.Contains("missing_scope (the token needs channels:history)", warning, StringComparison.Ordinal);
        Assert.Equal([("conversations.history", "missing_scope")], Slack.ChatErrors);
    }

    [Fact]
    public async Task Slack_failing_the_lookup_with_a_server_error_posts_again_and_says_why_once()
    {
        await StartAsync();
        await PostThenLoseTheAnswerAsync();
        // The next request, the lookup of the redelivered flush, meets an outage.
        Slack.FailNext(503, 1);

        await DrainUntilRecordedAsync();

        Assert.Equal(2, Slack.ChatMessages.Count);
        var warning = Assert.Single(LookupWarnings());
        Assert.Contains("503", warning, StringComparison.Ordinal);
    }
}
