using System.Net;
using Alerting.Integration.Tests.Infrastructure;
using Alerting.LocalHost;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.Integration.Tests.LocalHost;

/// <summary>The local host behaves like the Functions host for the triggers we use, against real Azurite.</summary>
public sealed class LocalHostSemanticsTests : IAsyncLifetime
{
    private readonly Observations _seen = new();
    private readonly ObservedClock _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
    private Azurite _azurite = null!;
    private string _hostJson = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        _hostJson = Path.GetTempFileName();
        await File.WriteAllTextAsync(_hostJson, """
            { "version": "2.0", "extensions": { "http": { "routePrefix": "api" },
              "queues": { "batchSize": 4, "maxDequeueCount": 3, "visibilityTimeout": "00:00:00", "maxPollingInterval": "00:00:01" } } }
            """);
    }

    public async Task DisposeAsync()
    {
        await _azurite.DisposeAsync();
        File.Delete(_hostJson);
    }

    private Task<LocalFunctionHost> StartHostAsync(bool timers = false, bool pumps = false, string? hostJson = null) =>
        LocalFunctionHost.StartAsync(
            new LocalHostOptions { Urls = "http://127.0.0.1:0", HostJsonPath = hostJson ?? _hostJson, EnableTimers = timers, EnableQueuePumps = pumps },
            new Dictionary<string, string?> { ["AzureWebJobsStorage"] = _azurite.ConnectionString },
            services => services.AddSingleton<TimeProvider>(_time),
            app: TestFunctions.App(_seen));

    private QueueClient Queue(string name) =>
        new(_azurite.ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    [Fact]
    public async Task Discovers_every_function_with_its_trigger()
    {
        await using var host = await StartHostAsync();
        Assert.Equal(["AdminOnly", "Echo", "Open", "Tick", "Work"], host.Functions.Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Equal("*/5 * * * * *", host.Timers.Single().Schedule);
        Assert.Equal(TestFunctions.Queue, host.Pumps.Single().QueueName);
    }

    [Fact]
    public async Task A_message_that_keeps_failing_lands_in_the_poison_queue_after_max_dequeue_count()
    {
        await using var host = await StartHostAsync();
        await Queue(TestFunctions.Queue).SendMessageAsync("fail-1");

        await host.DrainQueuesAsync();

        var attempts = _seen.QueueCalls.Where(c => c.Message == "fail-1").Select(c => c.DequeueCount).ToArray();
        Assert.Equal([1L, 2L, 3L], attempts);
        var poisoned = (await Queue(TestFunctions.Queue + "-poison").ReceiveMessagesAsync(10)).Value;
        Assert.Equal("fail-1", Assert.Single(poisoned).Body.ToString());
        Assert.Empty((await Queue(TestFunctions.Queue).PeekMessagesAsync(10)).Value);
    }

    [Fact]
    public async Task A_successful_message_is_processed_once_and_deleted()
    {
        await using var host = await StartHostAsync();
        await Queue(TestFunctions.Queue).SendMessageAsync("ok-1");

        Assert.Equal(1, await host.DrainQueuesAsync());

        Assert.Equal(("ok-1", 1L), Assert.Single(_seen.QueueCalls));
        Assert.Empty((await Queue(TestFunctions.Queue).PeekMessagesAsync(10)).Value);
        Assert.Empty((await Queue(TestFunctions.Queue + "-poison").PeekMessagesAsync(10)).Value);
    }

    [Fact]
    public async Task Batches_never_exceed_batch_size()
    {
        await using var host = await StartHostAsync();
        for (var i = 0; i < 10; i++)
        {
            await Queue(TestFunctions.Queue).SendMessageAsync($"ok-{i}");
        }

        var first = await host.Pumps.Single().ProcessBatchAsync(CancellationToken.None);
        await host.DrainQueuesAsync();

        Assert.Equal(4, first);
        Assert.Equal(10, _seen.QueueCalls.Count);
        Assert.InRange(_seen.MaxConcurrent, 2, 4);
    }

    [Fact]
    public async Task The_background_pump_fetches_the_next_batch_once_the_running_messages_are_down_to_new_batch_threshold()
    {
        var hostJson = Path.GetTempFileName();
        await File.WriteAllTextAsync(hostJson, """{ "extensions": { "queues": { "batchSize": 4, "newBatchThreshold": 2, "maxPollingInterval": "00:00:01" } } }""");
        // Queued before the host starts, so its first poll finds them all.
        await Queue(TestFunctions.Queue).CreateIfNotExistsAsync();
        for (var i = 0; i < 8; i++)
        {
            await Queue(TestFunctions.Queue).SendMessageAsync($"hold-{i}");
        }
        await using var host = await StartHostAsync(pumps: true, hostJson: hostJson);

        await Eventually.UntilAsync("the first batch of four to run", () => _seen.Running == 4, TimeSpan.FromSeconds(10));
        // Two of the four finish: two still run, which is the threshold, so the next four are fetched at
        // once rather than after the whole first batch (the host's listener does the same).
        _seen.Gate.Release(2);
        await Eventually.UntilAsync("the second batch to run beside the rest of the first", () => _seen.Running == 6, TimeSpan.FromSeconds(10));
        _seen.Gate.Release(6);
        await Eventually.UntilAsync("every message to finish", () => _seen.QueueCalls.Count == 8 && _seen.Running == 0, TimeSpan.FromSeconds(10));

        Assert.Equal(6, _seen.MaxConcurrent);
        await Eventually.UntilAsync("the queue to be empty", async () => (await Queue(TestFunctions.Queue).PeekMessagesAsync(10)).Value.Length == 0, TimeSpan.FromSeconds(10));
        File.Delete(hostJson);
    }

    [Fact]
    public async Task A_failed_message_stays_invisible_for_the_visibility_timeout()
    {
        var hostJson = Path.GetTempFileName();
        await File.WriteAllTextAsync(hostJson, """{ "extensions": { "queues": { "batchSize": 1, "maxDequeueCount": 5, "visibilityTimeout": "00:00:02" } } }""");
        await using var host = await StartHostAsync(hostJson: hostJson);
        await Queue(TestFunctions.Queue).SendMessageAsync("fail-vis");

        Assert.Equal(1, await host.Pumps.Single().ProcessBatchAsync(CancellationToken.None));
        var failed = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, await host.Pumps.Single().ProcessBatchAsync(CancellationToken.None));
        // The failed message is hidden for host.json's two seconds, then handed out again.
        await Eventually.UntilAsync("the failed message to come back after its visibility timeout",
            async () => await host.Pumps.Single().ProcessBatchAsync(CancellationToken.None) == 1, TimeSpan.FromSeconds(20), poll: TimeSpan.FromMilliseconds(100));
        Assert.True(failed.Elapsed >= TimeSpan.FromSeconds(1.5), $"the message came back after {failed.Elapsed}, before its visibility timeout");

        Assert.Equal([1L, 2L], _seen.QueueCalls.Select(c => c.DequeueCount));
        File.Delete(hostJson);
    }

    [Fact]
    public async Task Background_pump_processes_messages_without_being_driven()
    {
        await using var host = await StartHostAsync(pumps: true);
        await Queue(TestFunctions.Queue).SendMessageAsync("ok-bg");

        await Eventually.UntilAsync("the background pump to process the message", () => !_seen.QueueCalls.IsEmpty, TimeSpan.FromSeconds(10));

        Assert.Equal("ok-bg", Assert.Single(_seen.QueueCalls).Message);
    }

    [Fact]
    public async Task Timer_fires_on_its_ncrontab_schedule_in_application_time()
    {
        await using var host = await StartHostAsync(timers: true);
        // The clock starts on a 5s boundary; nothing is due yet. The scheduler arming its wait for the
        // next occurrence proves it looked at the schedule and chose not to run now.
        await Eventually.UntilAsync("the scheduler to wait for 12:00:05", () => _time.Waits.Contains(TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
        Assert.Empty(_seen.TimerCalls);

        for (var i = 1; i <= 3; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            await Eventually.UntilAsync($"timer run {i}", () => _seen.TimerCalls.Count >= i, TimeSpan.FromSeconds(10));
            Assert.Equal(i, _seen.TimerCalls.Count);
        }
        var last = _seen.TimerCalls.Last();
        Assert.Equal(new DateTime(2026, 11, 24, 12, 0, 15, DateTimeKind.Utc), last.ScheduleStatus!.Last);
        Assert.Equal(new DateTime(2026, 11, 24, 12, 0, 20, DateTimeKind.Utc), last.ScheduleStatus.Next);
    }

    [Fact]
    public async Task A_timer_keeps_its_schedule_through_a_storage_outage_and_the_host_stops_cleanly()
    {
        await using var host = await StartHostAsync(timers: true);
        await Eventually.UntilAsync("the scheduler to wait for 12:00:05", () => _time.Waits.Contains(TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
        // Storage goes away: the occurrence claim fails after the storage SDK's retries (an AggregateException).
        await _azurite.DisposeAsync();
        var armed = _time.Waits.Count;
        _time.Advance(TimeSpan.FromSeconds(5));
        // The scheduler skips that occurrence and arms its wait for the next one rather than dying.
        await Eventually.UntilAsync("the scheduler to arm the next occurrence", () => _time.Waits.Count > armed, TimeSpan.FromSeconds(60));
        Assert.Empty(_seen.TimerCalls);
        // Stopping while a claim sits in the SDK's retry wait ends the scheduler, not the process.
        _time.Advance(TimeSpan.FromSeconds(5));
        await host.StopAsync();
    }

    [Fact]
    public void Schedules_accept_six_field_cron_five_field_cron_and_intervals()
    {
        var t = new DateTime(2026, 11, 24, 12, 0, 1, DateTimeKind.Utc);
        Assert.Equal(new DateTime(2026, 11, 24, 12, 0, 15, DateTimeKind.Utc), TimerScheduler.ParseSchedule("*/15 * * * * *")(t));
        Assert.Equal(new DateTime(2026, 11, 24, 12, 5, 0, DateTimeKind.Utc), TimerScheduler.ParseSchedule("*/5 * * * *")(t));
        Assert.Equal(new DateTime(2026, 11, 24, 12, 0, 30, DateTimeKind.Utc), TimerScheduler.ParseSchedule("00:00:30")(t));
        Assert.Throws<FormatException>(() => TimerScheduler.ParseSchedule("every minute"));
    }

    [Fact]
    public async Task Http_function_requires_its_key_and_binds_route_values()
    {
        await using var host = await StartHostAsync();
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        var noKey = await http.GetAsync("api/echo/alice");
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Contains("function key", await noKey.Content.ReadAsStringAsync());

        var wrongKey = await http.GetAsync("api/echo/alice?code=nope");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);

        var viaQuery = await http.GetStringAsync("api/echo/alice?code=local-function-key&q=1");
        Assert.Contains("\"name\":\"alice\"", viaQuery);
        Assert.Contains("\"query\":\"1\"", viaQuery);

        using var req = new HttpRequestMessage(HttpMethod.Get, "api/echo/bob");
        req.Headers.Add("x-functions-key", "local-function-key");
        var viaHeader = await http.SendAsync(req);
        Assert.Equal(HttpStatusCode.OK, viaHeader.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/open")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("api/admin/op?code=local-function-key", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("api/admin/op?code=local-master-key", null)).StatusCode);
    }

    [Fact]
    public async Task Unknown_routes_get_404_with_a_message()
    {
        await using var host = await StartHostAsync();
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        var r = await http.GetAsync("api/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Contains("no function serves GET /api/nothing-here", await r.Content.ReadAsStringAsync());
    }
}
