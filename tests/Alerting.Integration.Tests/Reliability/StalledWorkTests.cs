using Alerting.Functions.Storage;
using Alerting.Integration.Tests.Escalation;
using Azure.Storage.Queues;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Reliability;

/// <summary>
/// Work whose queue message a dead process holds: the report was an escalation whose step
/// message was leased by a killed app, so the engineer was never paged. The next resend of the alert
/// re-arms the chain once the step is a minute overdue.
/// </summary>
public sealed class StalledWorkTests
{
    [Fact]
    public async Task An_escalation_step_leased_by_a_dead_process_is_re_armed_by_the_next_resend_of_its_alert()
    {
        await using var s = await EscalationScenario.StartAsync();
        await s.FireAsync();
        await s.RunUntilAsync(TimeSpan.FromMinutes(4));
        Assert.Empty(s.IncidentsFor(EscalationScenario.EngineerKey));

        // At T+5 the engineer's step message becomes visible; a process takes it and dies (its lease,
        // 10 minutes on Azure, has not run out when the alert is re-sent).
        s.Stack.Time.Advance(TimeSpan.FromMinutes(1));
        var queue = new QueueClient(s.Stack.Azurite.ConnectionString, StorageNames.EscalationsQueue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await Eventually.UntilAsync("the step message to become visible at T+5 and be taken",
            async () => (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(10))).Value.Length > 0, TimeSpan.FromSeconds(10));
        await s.FireAsync();
        Assert.Empty(s.IncidentsFor(EscalationScenario.EngineerKey));

        // The step fell due at T+5; the resend at T+6 is within the grace, the one at T+7 re-arms it.
        await s.RunUntilAsync(TimeSpan.FromMinutes(7));
        var page = Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey));
        Assert.Equal("triggered", page.Status);
        Assert.Empty(s.IncidentsFor(EscalationScenario.ManagerKey));
    }
}
