using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.LocalHost;
using Alerting.LocalServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.IngestBench;

/// <summary>
/// How long the first notification of a new group takes, ours against the real Alertmanager 0.25: both
/// get the same alertmanager.yml (group_wait 1s, one webhook receiver; only the webhook's path differs, so
/// one local receiver tells them apart) and the same alerts on <c>POST /api/v2/alerts</c>, one new group
/// at a time; the latency is from the start of each side's POST to the webhook's arrival. Our side is
/// the function app on the local host with its queue pumps on Azurite and production delays
/// (<c>QueueDelayFactor</c> 1), as it runs in <c>./run</c>. Used by the bench (<c>first-notification</c>
/// mode) and by the integration test that bounds it.
/// </summary>
public sealed class FirstNotificationRace : IAsyncDisposable
{
    public static readonly TimeSpan GroupWait = TimeSpan.FromSeconds(1);

    // Stopwatch-style timestamps of real time: latency is measured on the wall, as a user sees it.
    private static readonly TimeProvider Clock = TimeProvider.System;

    private readonly ConcurrentDictionary<(string Side, string Group), long> _arrivals = new();
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _work = Directory.CreateTempSubdirectory("first-notification-").FullName;
    private WebApplication _sink = null!;
    private HttpClient _ours = null!;
    private RealAlertmanager _alertmanager = null!;
    private int _runs;

    private FirstNotificationRace()
    {
    }

    /// <summary>One measured group: its name and each side's latency (null when it did not arrive in time).</summary>
    public sealed record Sample(string Group, TimeSpan? Ours, TimeSpan? Alertmanager);

    public static string Config(string webhookUrl) => $"""
        route:
          receiver: hook
          group_by: ['alertname']
          group_wait: 1s
          group_interval: 5m
          repeat_interval: 4h
        receivers:
          - name: hook
            webhook_configs:
              - url: '{webhookUrl}'
                send_resolved: false
        """;

    /// <summary>Starts the webhook receiver, Azurite, our app and Alertmanager, and warms both up with one group each.</summary>
    /// <param name="queueWakeups">False: our queue pumps find messages by polling alone (what the wake-ups save).</param>
    public static async Task<FirstNotificationRace> StartAsync(string hostJsonPath, bool queueWakeups = true)
    {
        var race = new FirstNotificationRace();
        try
        {
            await race.StartSinkAsync();
            var sink = race._sink.Urls.First().TrimEnd('/');
            await File.WriteAllTextAsync(Path.Combine(race._work, "alertmanager.yml"), Config(sink + "/ours"));
            await File.WriteAllTextAsync(Path.Combine(race._work, "scrape.yml"), "scrape_configs: []\n");
            await File.WriteAllTextAsync(Path.Combine(race._work, "none.rules.yml"), "groups: []\n");
            var azurite = race.Own(await Azurite.StartAsync());
            var host = race.Own(await LocalFunctionHost.StartAsync(
                new LocalHostOptions { Urls = "http://127.0.0.1:0", HostJsonPath = hostJsonPath, EnableTimers = false, EnableQueuePumps = true, QueueWakeups = queueWakeups },
                new Dictionary<string, string?>
                {
                    ["AzureWebJobsStorage"] = azurite.ConnectionString,
                    ["ScrapeSchedule"] = "0 0 0 1 1 *",
                    ["EvaluateSchedule"] = "0 0 0 1 1 *",
                    ["Alerting:ScrapeConfigPath"] = Path.Combine(race._work, "scrape.yml"),
                    ["Alerting:RuleFiles"] = Path.Combine(race._work, "none.rules.yml"),
                    ["Alerting:AlertmanagerConfigPath"] = Path.Combine(race._work, "alertmanager.yml"),
                    ["Alerting:DefaultTemplatesPath"] = Path.Combine(RepoPaths.Root, "rules", "templates"),
                    ["Logging:LogLevel:Default"] = "Warning",
                }));
            race._ours = new HttpClient { BaseAddress = host.BaseAddress };
            race._alertmanager = race.Own(await RealAlertmanager.StartAsync(Config(sink + "/alertmanager"), "http://alertmanager.race"));
            // Warm-up (JIT, connections, tables created): not measured.
            await race.RunAsync("Warmup", 1, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(60));
            return race;
        }
        catch
        {
            await race.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Posts <paramref name="groups"/> new groups, one alert each, to both sides at once, <paramref name="spacing"/>
    /// apart; the alerts started <paramref name="startedAgo"/> before now. Waits at most <paramref name="timeout"/>
    /// after the last post for the webhooks.
    /// </summary>
    public async Task<IReadOnlyList<Sample>> RunAsync(string name, int groups, TimeSpan startedAgo, TimeSpan spacing, TimeSpan timeout)
    {
        var run = Interlocked.Increment(ref _runs);
        var posted = new List<(string Group, long Ours, long Alertmanager)>();
        for (var i = 0; i < groups; i++)
        {
            var group = $"{name}{run}x{i}";
            var body = Alert(group, DateTimeOffset.UtcNow - startedAgo);
            var ours = PostAsync(_ours, "api/v2/alerts?code=local-function-key", body);
            var theirs = PostAsync(_alertmanager.Http, "api/v2/alerts", body);
            posted.Add((group, await ours, await theirs));
            await Task.Delay(spacing);
        }
        var deadline = Clock.GetTimestamp();
        while (posted.Any(p => !_arrivals.ContainsKey(("ours", p.Group)) || !_arrivals.ContainsKey(("alertmanager", p.Group)))
            && Clock.GetElapsedTime(deadline) < timeout)
        {
            await Task.Delay(50);
        }
        TimeSpan? Latency(string side, string group, long start) =>
            _arrivals.TryGetValue((side, group), out var at) ? Clock.GetElapsedTime(start, at) : null;
        return posted.Select(p => new Sample(p.Group, Latency("ours", p.Group, p.Ours), Latency("alertmanager", p.Group, p.Alertmanager))).ToArray();
    }

    /// <summary>Returns when the POST started; throws if it was not accepted.</summary>
    private static async Task<long> PostAsync(HttpClient http, string path, string body)
    {
        await Task.Yield();
        var start = Clock.GetTimestamp();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST {http.BaseAddress}{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return start;
    }

    private static string Alert(string group, DateTimeOffset startsAt) =>
        $$"""[{"labels":{"alertname":"{{group}}","instance":"vyx-user-1","severity":"warning"},"annotations":{"summary":"first notification race"},"startsAt":"{{startsAt.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)}}"}]""";

    private async Task StartSinkAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _sink = builder.Build();
        _sink.MapPost("/{side}", async (string side, HttpContext ctx) =>
        {
            var at = Clock.GetTimestamp();
            var body = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            if (body?["groupLabels"]?["alertname"]?.GetValue<string>() is { } group)
            {
                _arrivals.TryAdd((side, group), at);
            }
            return Results.Ok();
        });
        await _sink.StartAsync();
    }

    private T Own<T>(T d)
        where T : IAsyncDisposable
    {
        _owned.Add(d);
        return d;
    }

    public async ValueTask DisposeAsync()
    {
        _ours?.Dispose();
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
        if (_sink is not null)
        {
            await _sink.DisposeAsync();
        }
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
