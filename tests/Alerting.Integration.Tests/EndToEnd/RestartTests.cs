using Alerting.Core.Rules;
using Alerting.DemoFleet;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Alerting.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.Integration.Tests.EndToEnd;

/// <summary>Alert state lives in Azure Tables: a restarted function app carries on where the last one stopped.</summary>
public sealed class RestartTests : IAsyncLifetime
{
    private AlertingStack _stack = null!;

    public async Task InitializeAsync() =>
        _stack = await AlertingStack.StartAsync([("35706666", MachineMode.Healthy), ("35714585", MachineMode.Down)]);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private async Task<ActiveAlert?> MachineDownAsync()
    {
        var config = _stack.Host.Services.GetRequiredService<ConfigProvider>();
        var group = config.RuleFiles().SelectMany(f => f.Groups).Single(g => g.Name == "multi_machine_errors");
        var state = await _stack.Host.Services.GetRequiredService<RuleStateStore>().LoadAsync(group, CancellationToken.None);
        return state.Alerts.SingleOrDefault(a => a.Rule == "UserMachineDown");
    }

    [Fact]
    public async Task A_pending_alert_keeps_its_for_clock_across_a_restart_and_fires_on_time()
    {
        var step = TimeSpan.FromSeconds(30);
        await _stack.StepAsync(step);
        var pending = await MachineDownAsync();
        Assert.NotNull(pending);
        Assert.Equal(AlertState.Pending, pending.State);

        await _stack.StepAsync(step);
        await _stack.StepAsync(step);
        await _stack.RestartHostAsync();

        var afterRestart = await MachineDownAsync();
        Assert.Equal(pending.ActiveAt, afterRestart!.ActiveAt);

        // for: 2m from ActiveAt, then group_wait 10s. Had `for` started over at the restart (ActiveAt + 1m30s),
        // the page would come a minute and a half later.
        DateTimeOffset? pagedAt = null;
        for (var i = 0; i < 10 && pagedAt is null; i++)
        {
            await _stack.StepAsync(step);
            if (_stack.SlackTitles().Any(t => t.Contains("UserMachineDown", StringComparison.Ordinal)))
            {
                pagedAt = _stack.Time.GetUtcNow();
            }
        }
        Assert.NotNull(pagedAt);
        Assert.InRange(pagedAt.Value - pending.ActiveAt, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3));
        Assert.Equal(AlertState.Firing, (await MachineDownAsync())!.State);
        Assert.Single(_stack.SlackTitles());
    }
}
