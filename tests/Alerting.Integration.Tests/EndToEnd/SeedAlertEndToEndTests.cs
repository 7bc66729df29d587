using Alerting.DemoFleet;
using Alerting.Functions.Tsdb;
using Alerting.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.Integration.Tests.EndToEnd;

/// <summary>
/// Seed 000's rules over a real fleet: machines are scraped over HTTP (with a real node-exporter beside
/// them), rules are evaluated, alerts are routed through Azure queues and tables on Azurite and delivered
/// by SMTP to MailDev and to the Slack fake, with the application clock under test control.
/// </summary>
public sealed class SeedAlertEndToEndTests : IAsyncLifetime
{
    private AlertingStack _stack = null!;

    public async Task InitializeAsync() =>
        _stack = await AlertingStack.StartAsync(
        [
            ("35682909", MachineMode.Erroring),
            ("35690828", MachineMode.Erroring),
            ("35698747", MachineMode.Erroring),
            ("35706666", MachineMode.Healthy),
            ("35714585", MachineMode.Down),
        ]);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Seed_000_alerts_fire_are_emailed_and_posted_to_slack_and_resolve()
    {
        var step = TimeSpan.FromSeconds(30);
        // Down machine: UserMachineDown (for: 2m). Three erroring machines at 3 errors/s each:
        // SystemWideHighErrorRate (sum(rate(...[5m])) > 5, for: 5m).
        for (var i = 0; i < 30 && !(_stack.SlackTitles().Any(t => t.Contains("UserMachineDown", StringComparison.Ordinal))
                                   && _stack.SlackTitles().Any(t => t.Contains("SystemWideHighErrorRate", StringComparison.Ordinal))); i++)
        {
            await _stack.StepAsync(step);
        }

        var titles = _stack.SlackTitles();
        Assert.Contains(titles, t => t.StartsWith("[FIRING:1] UserMachineDown", StringComparison.Ordinal));
        Assert.Contains(titles, t => t.StartsWith("[FIRING:1] SystemWideHighErrorRate", StringComparison.Ordinal));
        var subjects = await _stack.EmailSubjectsAsync();
        Assert.Contains(subjects, s => s.Contains("[FIRING:1] UserMachineDown", StringComparison.Ordinal));
        var emails = await _stack.Mail.EmailsAsync();
        var down = AlertingStack.FirstEmailWithSubject(emails, "UserMachineDown")!;
        Assert.Contains("User machine vyx-user-35714585 is down", down["html"]!.GetValue<string>());
        Assert.Equal(0, _stack.Slack.Rejected);

        // The real node-exporter was scraped beside the fleet.
        var ticks = await _stack.Host.Services.GetRequiredService<ScrapeTickStore>().ReadSinceAsync(0, CancellationToken.None);
        var node = ticks.Where(t => t.Job == "node").SelectMany(t => t.Targets).SelectMany(t => t.Samples).ToArray();
        Assert.Contains(node, s => s.Labels.Name == "up" && s.Value == 1);
        Assert.Contains(node, s => s.Labels.Name == "node_cpu_seconds_total");

        // Two machines recover: the total error rate falls under 5/s and the alert resolves.
        foreach (var (machine, _) in _stack.Fleet.Machines.Where(m => m.Machine.Mode == MachineMode.Erroring).Take(2))
        {
            machine.Mode = MachineMode.Healthy;
        }
        for (var i = 0; i < 30 && !_stack.SlackTitles().Any(t => t.StartsWith("[RESOLVED] SystemWideHighErrorRate", StringComparison.Ordinal)); i++)
        {
            await _stack.StepAsync(step);
        }
        Assert.Contains(_stack.SlackTitles(), t => t.StartsWith("[RESOLVED] SystemWideHighErrorRate", StringComparison.Ordinal));
        Assert.Contains(await _stack.EmailSubjectsAsync(), s => s.Contains("[RESOLVED] SystemWideHighErrorRate", StringComparison.Ordinal));

        // Each state change was notified once per integration: no duplicate pages.
        Assert.Single(_stack.SlackTitles(), t => t.StartsWith("[FIRING:1] SystemWideHighErrorRate", StringComparison.Ordinal));
        Assert.Single(_stack.SlackTitles(), t => t.StartsWith("[RESOLVED] SystemWideHighErrorRate", StringComparison.Ordinal));
    }
}
