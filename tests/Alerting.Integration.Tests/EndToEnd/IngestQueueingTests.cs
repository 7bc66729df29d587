using System.Net;
using System.Text;
using System.Text.Json;
using Alerting.DemoFleet;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Alerting.Integration.Tests.Infrastructure;
using Azure.Storage.Queues;

namespace Alerting.Integration.Tests.EndToEnd;

/// <summary>
/// Concurrent POSTs share queue messages, and a 200 still means the queue holds the request's alerts:
/// every alert of every answered request is on the "alerts" queue exactly once, and a request whose send
/// storage refused is answered with a server error (Prometheus and Alertmanager retry those).
/// </summary>
public sealed class IngestQueueingTests : IAsyncLifetime
{
    private const string Key = "?code=local-function-key";
    private AlertingStack _stack = null!;

    public async Task InitializeAsync() => _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)]);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private QueueClient AlertsQueue() =>
        new(_stack.Azurite.ConnectionString, StorageNames.AlertsQueue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    private static StringContent Post(int request, int alerts) => new(
        "[" + string.Join(',', Enumerable.Range(0, alerts).Select(i =>
            $$$"""{"labels":{"alertname":"Coalesced","instance":"r{{{request}}}-a{{{i}}}"},"annotations":{"summary":"s"}}""")) + "]",
        Encoding.UTF8, "application/json");

    /// <summary>Takes every message off the alerts queue (no pump runs in these tests).</summary>
    private async Task<IReadOnlyList<AlertBatchMessage>> TakeAllAsync()
    {
        var queue = AlertsQueue();
        var taken = new List<AlertBatchMessage>();
        while (true)
        {
            var received = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            if (received.Length == 0)
            {
                return taken;
            }
            taken.AddRange(received.Select(m => JsonSerializer.Deserialize<AlertBatchMessage>(m.Body.ToString(), QueueSender.Json)!));
        }
    }

    [Fact]
    public async Task Concurrent_posts_are_all_answered_and_every_alert_is_queued_exactly_once_in_shared_messages()
    {
        const int requests = 30;
        const int perRequest = 20;

        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(r => _stack.Http.PostAsync("api/v2/alerts" + Key, Post(r, perRequest))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var messages = await TakeAllAsync();
        var queued = messages.SelectMany(m => m.Alerts).Select(a => a.Labels["instance"]).ToArray();
        var expected = Enumerable.Range(0, requests).SelectMany(r => Enumerable.Range(0, perRequest).Select(i => $"r{r}-a{i}"));
        Assert.Equal(expected.Order(StringComparer.Ordinal), queued.Order(StringComparer.Ordinal));
        Assert.All(messages, m => Assert.Equal("api-v2", m.Source));
        // Requests that arrived while a send was on its way rode on the next one.
        Assert.InRange(messages.Count, 1, requests - 1);
    }

    [Fact]
    public async Task Posts_whose_queue_send_storage_refuses_are_answered_with_a_server_error()
    {
        // Make sure the app has created its queues, then take the alerts queue away under it.
        Assert.Equal(HttpStatusCode.OK, (await _stack.Http.PostAsync("api/v2/alerts" + Key, Post(0, 1))).StatusCode);
        await AlertsQueue().DeleteAsync();

        var responses = await Task.WhenAll(Enumerable.Range(1, 5).Select(r => _stack.Http.PostAsync("api/v2/alerts" + Key, Post(r, 3))));

        Assert.All(responses, r => Assert.True((int)r.StatusCode >= 500, $"answered {(int)r.StatusCode}: a client would not retry"));
    }
}
