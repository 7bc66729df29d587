using System.Text.Json.Nodes;
using Alerting.Core.Tests;
using Alerting.DemoFleet;
using Alerting.Fakes;
using Alerting.LocalHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Integration.Tests.Infrastructure;

/// <summary>
/// The whole product on one machine, for end-to-end tests: Azurite, MailDev, the Slack fake, a real
/// node-exporter, the demo fleet and the function app on the local host, with the application clock
/// under the test's control. Timers and queue pumps are driven by the test, step by step.
/// </summary>
public sealed class AlertingStack : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private AlertingStack()
    {
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 * 60));

    public Azurite Azurite { get; private set; } = null!;

    public MailDev Mail { get; private set; } = null!;

    public SlackWebhookFake Slack { get; private set; } = null!;

    public NodeExporter NodeExporter { get; private set; } = null!;

    public DemoFleet.DemoFleet Fleet { get; private set; } = null!;

    public LocalFunctionHost Host { get; private set; } = null!;

    public string ConfigDir { get; } = Directory.CreateTempSubdirectory("alerting-e2e-").FullName;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>Every table request the function app sent, so tests can see what an operation costs.</summary>
    public RequestCounter TableRequests { get; } = new();

    public static async Task<AlertingStack> StartAsync(IReadOnlyList<(string UserId, MachineMode Mode)> machines, string? alertmanagerYaml = null, string? ruleFiles = null, IReadOnlyDictionary<string, string?>? settings = null, string? hostJson = null, Action<AlertingStack>? configure = null)
    {
        var s = new AlertingStack();
        if (hostJson is not null)
        {
            s._hostJsonPath = Path.Combine(s.ConfigDir, "host.json");
            await File.WriteAllTextAsync(s._hostJsonPath, hostJson);
        }
        s.Azurite = s.Own(await Azurite.StartAsync());
        s.Mail = s.Own(await MailDev.StartAsync());
        s.Slack = s.Own(await SlackWebhookFake.StartAsync());
        s.NodeExporter = s.Own(await NodeExporter.StartAsync());
        var origin = s.Time.GetUtcNow();
        s.Fleet = s.Own(await DemoFleet.DemoFleet.StartAsync(machines.Select(m => new FleetMachine(m.UserId, m.Mode, s.Time, origin)).ToArray(), 0));

        await File.WriteAllTextAsync(Path.Combine(s.ConfigDir, "scrape.yml"),
            "global:\n  scrape_interval: 30s\n  scrape_timeout: 2s\nscrape_configs:\n" +
            "  - job_name: 'fly-machines'\n    static_configs:\n" + s.Fleet.StaticConfigsYaml() +
            "    relabel_configs:\n      - source_labels: [machine]\n        target_label: instance\n      - action: labeldrop\n        regex: machine\n" +
            $"  - job_name: 'node'\n    static_configs:\n      - targets: ['127.0.0.1:{s.NodeExporter.Port}']\n");
        await File.WriteAllTextAsync(Path.Combine(s.ConfigDir, "alertmanager.yml"), alertmanagerYaml ?? DefaultAlertmanagerYaml(s));

        s._settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = s.Azurite.ConnectionString,
            ["ScrapeSchedule"] = "*/30 * * * * *",
            ["EvaluateSchedule"] = "*/30 * * * * *",
            ["Alerting:ScrapeConfigPath"] = Path.Combine(s.ConfigDir, "scrape.yml"),
            ["Alerting:RuleFiles"] = ruleFiles ?? Path.Combine(TestPaths.RepoRoot, "rules", "multi-machine.rules.yml"),
            ["Alerting:AlertmanagerConfigPath"] = Path.Combine(s.ConfigDir, "alertmanager.yml"),
            ["Alerting:DefaultTemplatesPath"] = Path.Combine(TestPaths.RepoRoot, "rules", "templates"),
            // Tests rewrite config files and expect the next call to see them.
            ["Alerting:ConfigCheckInterval"] = "00:00:00",
            ["Alerting:ExternalUrl"] = "http://alerting.test",
            // Delayed messages wait a thousandth of their application delay in real time; the
            // handlers compare due times with the test's clock.
            ["Alerting:QueueDelayFactor"] = "0.001",
            // One attempt per send: these tests exercise the queue's redelivery. In-process retries wait
            // on real time and are tested with their own settings (DeliveryRetryTests).
            ["Alerting:Delivery:MaxAttempts"] = "1",
        };
        // The caller may derive settings from the started peers (their ports) before the host starts.
        configure?.Invoke(s);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            s._settings[key] = value;
        }
        await s.StartHostAsync();
        return s;
    }

    private Dictionary<string, string?> _settings = [];
    private string? _hostJsonPath;

    private async Task StartHostAsync()
    {
        Host = Own(await LocalFunctionHost.StartAsync(
            new LocalHostOptions
            {
                Urls = "http://127.0.0.1:0",
                HostJsonPath = _hostJsonPath ?? Path.Combine(TestPaths.RepoRoot, "host.json"),
                EnableTimers = false,
                EnableQueuePumps = false,
            },
            _settings,
            services =>
            {
                services.AddSingleton<TimeProvider>(Time);
                var tables = new Azure.Data.Tables.TableClientOptions();
                tables.AddPolicy(TableRequests, Azure.Core.HttpPipelinePosition.PerCall);
                services.AddSingleton(new Azure.Data.Tables.TableServiceClient(Azurite.ConnectionString, tables));
            }));
        Http?.Dispose();
        Http = new HttpClient { BaseAddress = Host.BaseAddress };
    }

    /// <summary>Stops the function app as a crash or redeploy would and starts a fresh one on the same storage.</summary>
    public async Task RestartHostAsync()
    {
        _owned.Remove(Host);
        await Host.DisposeAsync();
        await StartHostAsync();
    }

    public static string DefaultAlertmanagerYaml(AlertingStack s) => $"""
        global:
          resolve_timeout: 5m
          smtp_from: 'alerting@test.local'
          smtp_smarthost: '127.0.0.1:{s.Mail.SmtpPort}'
          smtp_require_tls: false
        route:
          receiver: 'reliability-team'
          group_by: ['alertname', 'severity']
          group_wait: 10s
          group_interval: 1m
          repeat_interval: 4h
        receivers:
          - name: 'reliability-team'
            email_configs:
              - to: 'reliability@team.local'
                send_resolved: true
            slack_configs:
              - api_url: '{s.Slack.WebhookUrl}'
                channel: '#incidents'
                send_resolved: true
        """;

    /// <summary>One step of application time: scrape, evaluate, route and notify, then advance the clock.</summary>
    public async Task StepAsync(TimeSpan step)
    {
        // The timers only plan; the shards are scraped before the groups are planned, as a tick's scrape
        // lands before the next evaluation slot in a running app.
        await Host.InvokeTimerAsync("Scrape");
        await Host.DrainQueuesAsync(maxPasses: 3);
        await Host.InvokeTimerAsync("Evaluate");
        await DrainAsync();
        Time.Advance(step);
    }

    /// <summary>Processes queued work, including delayed messages whose (scaled) delay is tiny in real time.</summary>
    /// <remarks>
    /// A few passes per call, not the host's default 100: the application clock stands still while the
    /// test drains, so a message that is not yet due is re-sent with a delay of a few real milliseconds
    /// (the scaled delay) and comes back on the next pass. Measured: up to 100 passes per call spun on
    /// those messages, ~500 receive-and-re-send cycles per step, 7 s of Azurite CPU per simulated minute.
    /// Three passes still carry an alert through routing, notification and escalation in one call.
    /// </remarks>
    public async Task DrainAsync()
    {
        for (var i = 0; i < 5; i++)
        {
            await Host.DrainQueuesAsync(maxPasses: 3);
            // Not a wait for an outcome: a pause that lets re-sent messages' scaled delays (a few ms)
            // run out so the next pass sees them; callers wait on outcomes with DrainUntilAsync.
            await Task.Delay(30);
        }
    }

    /// <summary>
    /// Drains the queues until <paramref name="done"/> holds, advancing the application clock by
    /// <paramref name="step"/> after each drain (none: only real-time work such as a visibility timeout
    /// is awaited); fails naming <paramref name="what"/> after <paramref name="timeout"/> of real time.
    /// </summary>
    public Task DrainUntilAsync(string what, Func<bool> done, TimeSpan? step = null, TimeSpan? timeout = null, Func<string>? details = null) =>
        DrainUntilAsync(what, () => Task.FromResult(done()), step, timeout, details);

    /// <inheritdoc cref="DrainUntilAsync(string, Func{bool}, TimeSpan?, TimeSpan?, Func{string}?)"/>
    public Task DrainUntilAsync(string what, Func<Task<bool>> done, TimeSpan? step = null, TimeSpan? timeout = null, Func<string>? details = null) =>
        Eventually.UntilAsync(what, async () =>
        {
            if (await done())
            {
                return true;
            }
            await DrainAsync();
            if (step is { } s)
            {
                Time.Advance(s);
            }
            return await done();
        }, timeout, details, poll: TimeSpan.FromMilliseconds(100));

    /// <summary>Slack attachment titles received so far.</summary>
    public IReadOnlyList<string> SlackTitles() =>
        Slack.Received.SelectMany(r => r.Body["attachments"]?.AsArray() ?? []).Select(a => a?["title"]?.GetValue<string>() ?? string.Empty).ToArray();

    public async Task<IReadOnlyList<string>> EmailSubjectsAsync() =>
        (await Mail.EmailsAsync()).Select(e => e?["subject"]?.GetValue<string>() ?? string.Empty).ToArray();

    private T Own<T>(T d)
        where T : IAsyncDisposable
    {
        _owned.Add(d);
        return d;
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
        try
        {
            Directory.Delete(ConfigDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static JsonObject? FirstEmailWithSubject(JsonArray emails, string contains) =>
        emails.OfType<JsonObject>().FirstOrDefault(e => e["subject"]?.GetValue<string>().Contains(contains, StringComparison.Ordinal) == true);
}
