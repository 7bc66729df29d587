using System.Text.Json;
using Alerting.Core.Model;
using Alerting.DemoFleet;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Alerting.Integration.Tests.Infrastructure;
using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.Integration.Tests.Pipeline;

/// <summary>
/// Route invocations running at once on one instance (the host runs batchSize + newBatchThreshold of them)
/// each get their own outcome: every alert of every completed message is stored and in its group with
/// exactly one flush chain per group; a message storage refuses fails alone; a redelivered message among
/// them re-sends its groups' pending flushes, and only its own. These hold for any way of sharing work
/// between the invocations (a shared batch was tried, bench/README.md).
/// </summary>
public sealed class ConcurrentRouteTests : IAsyncLifetime
{
    private AlertingStack _stack = null!;

    public async Task InitializeAsync() => _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)]);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private AlertRouter Router => _stack.Host.Services.GetRequiredService<AlertRouter>();

    private static AlertBatchMessage Message(string alertname, int from, int count, string? padding = null) => new(
        Enumerable.Range(from, count).Select(i => new AlertMessage(
            padding is null
                ? Labels.From(("alertname", alertname), ("severity", "warning"), ("instance", $"vyx-user-{i}"))
                : Labels.From(("alertname", alertname), ("severity", "warning"), ("instance", $"vyx-user-{i}"), ("padding", padding)),
            Labels.From(("summary", "s")), null, null, null)).ToArray(),
        "test");

    private async Task<IReadOnlyDictionary<string, GroupRecord>> GroupsByAlertnameAsync() =>
        (await _stack.Host.Services.GetRequiredService<GroupStore>().ListAsync(CancellationToken.None))
            .ToDictionary(g => g.GroupLabels["alertname"], StringComparer.Ordinal);

    private async Task<IReadOnlyList<FlushGroupMessage>> VisibleFlushesAsync()
    {
        var queue = new QueueClient(_stack.Azurite.ConnectionString, StorageNames.NotificationsQueue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        return (await queue.PeekMessagesAsync(32)).Value.Select(m => JsonSerializer.Deserialize<FlushGroupMessage>(m.Body.ToString(), QueueSender.Json)!).ToArray();
    }

    [Fact]
    public async Task Messages_routed_at_once_store_every_alert_in_its_group_with_one_flush_per_group()
    {
        // 12 messages of 10 alerts over 3 groups, as a received batch of Route invocations would bring them.
        var messages = Enumerable.Range(0, 12).Select(m => Message($"Batch{m % 3}", m * 10, 10)).ToArray();

        await Task.WhenAll(messages.Select(m => Router.RouteAsync(m, CancellationToken.None)));

        var stored = (await _stack.Host.Services.GetRequiredService<AlertStore>().ListAsync(CancellationToken.None)).Select(s => s.Alert.Fingerprint).ToHashSet();
        var groups = await GroupsByAlertnameAsync();
        Assert.Equal(["Batch0", "Batch1", "Batch2"], groups.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, group) in groups)
        {
            var expected = messages.Where(m => m.Alerts[0].Labels["alertname"] == name).SelectMany(m => m.Alerts).Select(a => a.Labels.FingerprintHex()).ToHashSet();
            Assert.Equal(40, expected.Count);
            Assert.Subset(stored, expected);
            Assert.Equal(expected.Order(StringComparer.Ordinal), group.Fingerprints.Order(StringComparer.Ordinal));
        }
        // group_wait is 10 s of application time, a hundredth of a second in real time here.
        await Eventually.UntilAsync("the new groups' first flushes", async () => (await VisibleFlushesAsync()).Count >= 3);
        var flushes = await VisibleFlushesAsync();
        Assert.Equal(groups.Values.Select(g => (g.GroupId, g.FlushToken)).Order(), flushes.Select(f => (f.GroupId, f.Token)).Order());
    }

    [Fact]
    public async Task A_message_storage_refuses_fails_alone_and_the_messages_routed_with_it_are_stored()
    {
        // A label value over Table storage's 32K-character property limit: this message can never be stored.
        var refused = Message("Refused", 0, 1, padding: new string('x', 40_000));
        var good = Enumerable.Range(0, 5).Select(m => Message("Good", m * 10, 10)).ToArray();

        var routing = good.Select(m => Router.RouteAsync(m, CancellationToken.None)).Append(Router.RouteAsync(refused, CancellationToken.None)).ToArray();

        var failure = await Assert.ThrowsAnyAsync<RequestFailedException>(() => routing[^1]);
        Assert.Equal(400, failure.Status);
        await Task.WhenAll(routing[..^1]);
        var groups = await GroupsByAlertnameAsync();
        Assert.Equal(good.SelectMany(m => m.Alerts).Select(a => a.Labels.FingerprintHex()).Order(StringComparer.Ordinal), groups["Good"].Fingerprints.Order(StringComparer.Ordinal));
        Assert.False(groups.ContainsKey("Refused"));
    }

    [Fact]
    public async Task A_redelivered_message_among_concurrent_ones_queues_its_groups_pending_flush_again_and_a_first_delivery_does_not()
    {
        var first = Message("Redelivered", 0, 5);
        var other = Message("FirstTime", 0, 5);
        await Task.WhenAll(Router.RouteAsync(first, CancellationToken.None), Router.RouteAsync(other, CancellationToken.None));
        await Eventually.UntilAsync("both groups' first flushes", async () => (await VisibleFlushesAsync()).Count >= 2);

        // The same two messages again, at once: the first as a redelivery (as after a crash between
        // creating its group and queueing the flush), the other as a different message joining its group.
        await Task.WhenAll(Router.RouteAsync(first, redelivered: true, CancellationToken.None), Router.RouteAsync(other, redelivered: false, CancellationToken.None));

        var groups = await GroupsByAlertnameAsync();
        await Eventually.UntilAsync("the redelivered group's flush again", async () => (await VisibleFlushesAsync()).Count >= 3);
        var flushes = await VisibleFlushesAsync();
        Assert.Equal(2, flushes.Count(f => f.GroupId == groups["Redelivered"].GroupId && f.Token == groups["Redelivered"].FlushToken));
        Assert.Equal(1, flushes.Count(f => f.GroupId == groups["FirstTime"].GroupId));
        Assert.Equal(3, flushes.Count);
    }
}
