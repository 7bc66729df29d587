using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Tests;
using Alerting.Fakes.Acs;
using Alerting.Fakes.Fly;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Alerting.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.Integration.Tests.Escalation;

/// <summary>
/// Seed 001's flow on the whole product: Fly's Machines API (the fake) reports an OOM kill, discovery turns it
/// into the machine-state series, rules/fly-apps.rules.yml fires FlyMachineOomKilled, rules/escalation.yml pages
/// the engineer on call at T+5 by SMS through Azure Communication Services (the fake, which verifies the HMAC
/// signature), unless the alert was acknowledged first. The application clock is the test's.
/// </summary>
public sealed class SmsPagingTests
{
    private const string App = "vyx-user-35682909";
    private const string From = "+18005550100";
    private static readonly string[] Engineers = ["+447700900001", "+447700900002", "+447700900003"];
    private static readonly string[] Managers = ["+447700900011", "+447700900012"];

    private sealed class Scenario : IAsyncDisposable
    {
        public required AlertingStack Stack { get; init; }

        public required AcsSmsFake Acs { get; init; }

        public required FlyMachinesFake Fly { get; init; }

        public DateTimeOffset T0 { get; set; }

        public string AlertId { get; set; } = string.Empty;

        public IReadOnlyList<AcsSmsMessage> OomPages() =>
            Acs.Messages.Where(m => m.Message.Contains("FlyMachineOomKilled", StringComparison.Ordinal)).ToArray();

        public async ValueTask DisposeAsync()
        {
            await Stack.DisposeAsync();
            await Fly.DisposeAsync();
            await Acs.DisposeAsync();
        }
    }

    private static async Task<Scenario> StartAsync()
    {
        var acs = await AcsSmsFake.StartAsync();
        var fly = await FlyMachinesFake.StartAsync();
        var dir = Directory.CreateTempSubdirectory("sms-paging-").FullName;
        var onCall = Path.Combine(dir, "oncall.yml");
        await File.WriteAllTextAsync(onCall, $$"""
            people:
              alice: { sms: "{{Engineers[0]}}" }
              bob:   { sms: "{{Engineers[1]}}" }
              carol: { sms: "{{Engineers[2]}}" }
              dana:  { sms: "{{Managers[0]}}" }
              erin:  { sms: "{{Managers[1]}}" }
            schedules:
              - name: reliability
                time_zone: Europe/London
                layers:
                  - { role: engineer, participants: [alice, bob, carol], start: 2026-01-05, handoff: { day: monday, time: "09:00" }, length: 1w }
                  - { role: manager, participants: [dana, erin], start: 2026-01-05, handoff: { day: monday, time: "09:00" }, length: 2w }
            """);
        var settings = new Dictionary<string, string?>
        {
            ["Alerting:EscalationPolicyPath"] = Path.Combine(TestPaths.RepoRoot, "rules", "escalation.yml"),
            ["Alerting:OnCallPath"] = onCall,
            ["Alerting:LinkSigningKey"] = "test-link-signing-key-of-at-least-32-bytes!",
            ["Alerting:AcsConnectionString"] = acs.ConnectionString,
            ["Alerting:AcsSmsFrom"] = From,
            ["Alerting:FlyApiUrl"] = fly.BaseAddress.ToString(),
            ["Alerting:FlyApiToken"] = FlyMachinesFake.DefaultToken,
        };
        var stack = await AlertingStack.StartAsync([], ruleFiles: Path.Combine(TestPaths.RepoRoot, "rules", "fly-apps.rules.yml"), settings: settings, configure: s =>
        {
            // Seed 000's discovery section; the machine serves node-exporter's metrics so it has something to scrape.
            File.WriteAllText(Path.Combine(s.ConfigDir, "scrape.yml"), """
                global:
                  scrape_interval: 30s
                  scrape_timeout: 2s
                scrape_configs:
                  - job_name: 'fly-machines'
                    fly_sd_configs:
                      - org: 'your-org'
                        app_name_pattern: 'vyx-user-*'
                        refresh_interval: 30s
                    relabel_configs:
                      - source_labels: [__meta_fly_app_name]
                        target_label: app
                      - source_labels: [__meta_fly_machine_id]
                        target_label: machine_id
                """);
            fly.AddApp("your-org", App);
            var machine = fly.AddMachine(App, new FakeFlyMachine { Id = "683713eb7d9008", PrivateIp = "127.0.0.1", MetricsPort = s.NodeExporter.Port });
            fly.AddEvent(machine, "exit", "stopped", s.Time.GetUtcNow(), exitCode: 137, oomKilled: true, restarting: true);
        });
        return new Scenario { Stack = stack, Acs = acs, Fly = fly };
    }

    /// <summary>Steps a minute at a time until FlyMachineOomKilled is open (T0: when it started firing).</summary>
    private static async Task FireAsync(Scenario s)
    {
        var deadline = s.Stack.Time.GetUtcNow() + TimeSpan.FromMinutes(5);
        while (s.Stack.Time.GetUtcNow() < deadline)
        {
            await s.Stack.StepAsync(TimeSpan.FromMinutes(1));
            var open = (await s.Stack.Http.GetFromJsonAsync<JsonObject>("api/alerts/open?code=local-function-key"))!["alerts"]!.AsArray();
            if (open.FirstOrDefault(a => a!["labels"]!["alertname"]!.GetValue<string>() == "FlyMachineOomKilled") is { } alert)
            {
                s.AlertId = alert["id"]!.GetValue<string>();
                s.T0 = alert["startsAt"] is { } startsAt ? startsAt.GetValue<DateTimeOffset>() : s.Stack.Time.GetUtcNow() - TimeSpan.FromMinutes(1);
                Assert.Equal("critical", alert["labels"]!["severity"]!.GetValue<string>());
                return;
            }
        }
        Assert.Fail("FlyMachineOomKilled did not fire within 5 minutes of the OOM event");
    }

    private static async Task RunUntilAsync(Scenario s, TimeSpan offset)
    {
        while (s.Stack.Time.GetUtcNow() < s.T0 + offset)
        {
            await s.Stack.StepAsync(TimeSpan.FromMinutes(1));
        }
        await s.Stack.StepAsync(TimeSpan.Zero);
    }

    [Fact]
    public async Task An_oom_kill_on_a_fly_machine_pages_the_engineer_on_call_by_sms_at_T5()
    {
        await using var s = await StartAsync();
        await FireAsync(s);

        await RunUntilAsync(s, TimeSpan.FromMinutes(4));
        Assert.Empty(s.OomPages());

        await RunUntilAsync(s, TimeSpan.FromMinutes(6));
        var page = Assert.Single(s.OomPages());
        Assert.Contains(page.To, Engineers);
        Assert.Equal(From, page.From);
        Assert.StartsWith("FIRING: FlyMachineOomKilled [critical] vyx-user-35682909 machine 683713eb7d9008 was OOM-killed", page.Message, StringComparison.Ordinal);
        Assert.Contains("\nAck: http://alerting.test/api/links/acknowledge?token=", page.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(s.Acs.Messages, m => Managers.Contains(m.To));
        Assert.All(s.Acs.Requests, r => Assert.Equal(202, r.Status));
    }

    [Fact]
    public async Task Acknowledged_before_T5_nobody_is_paged_by_sms()
    {
        await using var s = await StartAsync();
        await FireAsync(s);
        await RunUntilAsync(s, TimeSpan.FromMinutes(2));

        using (var ack = await s.Stack.Http.PostAsync($"api/alerts/{s.AlertId}/acknowledge?code=local-function-key", JsonContent.Create(new { who = "alice" })))
        {
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }
        await RunUntilAsync(s, TimeSpan.FromMinutes(7));

        Assert.Empty(s.OomPages());
    }

    [Fact]
    public async Task A_page_step_redelivered_after_a_crash_before_its_record_sends_one_sms()
    {
        await using var s = await StartAsync();
        await FireAsync(s);
        await RunUntilAsync(s, TimeSpan.FromMinutes(4));
        var incidents = s.Stack.Host.Services.GetRequiredService<IncidentStore>();
        var beforeStep = (await incidents.GetAsync(s.AlertId, CancellationToken.None))!;

        await RunUntilAsync(s, TimeSpan.FromMinutes(6));
        Assert.Single(s.OomPages());

        // The crash: the SMS went out but nothing of the step was recorded, and the step's message comes back.
        await incidents.UpdateAsync(s.AlertId, _ => beforeStep, CancellationToken.None);
        await s.Stack.Host.Services.GetRequiredService<IncidentService>().HandleAsync(
            new EscalationMessage(s.AlertId, EscalationMessage.Step, beforeStep.ChainToken, s.Stack.Time.GetUtcNow()), CancellationToken.None);

        Assert.Single(s.OomPages());
        Assert.Equal(1, s.Acs.RepeatsAnswered);
        Assert.All(s.Acs.Requests, r => Assert.Contains("\"successful\":true", r.Body, StringComparison.Ordinal));
        // The redelivered step completed as a delivered step.
        Assert.True((await incidents.GetAsync(s.AlertId, CancellationToken.None))!.StepsDone > beforeStep.StepsDone);
    }
}
