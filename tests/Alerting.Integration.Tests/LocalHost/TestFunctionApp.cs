using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.Integration.Tests.LocalHost;

/// <summary>What the test function app observed, shared with the tests through DI.</summary>
public sealed class Observations
{
    private int _running;
    private int _maxRunning;

    public ConcurrentQueue<(string Message, long DequeueCount)> QueueCalls { get; } = new();

    public ConcurrentQueue<TimerInfo> TimerCalls { get; } = new();

    public int MaxConcurrent => _maxRunning;

    /// <summary>How many runs are under way now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Holds "hold-*" messages until the test lets them through, one per release.</summary>
    public SemaphoreSlim Gate { get; } = new(0);

    public async Task RunAsync(Func<Task> body)
    {
        var now = Interlocked.Increment(ref _running);
        int seen;
        while (now > (seen = _maxRunning) && Interlocked.CompareExchange(ref _maxRunning, now, seen) != seen)
        {
        }
        try
        {
            await body();
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}

/// <summary>A function app of our own, so the local host's trigger semantics can be proven in isolation.</summary>
public sealed class TestFunctions(Observations seen)
{
    public const string Queue = "work";

    /// <summary>
    /// This project is not built by the Functions SDK, so its functions.metadata is written by hand in the
    /// SDK's format (LocalHost/testfunctions.metadata): the local host reads only metadata, as the real host does.
    /// </summary>
    public static Alerting.LocalHost.FunctionApp App(Observations seen) =>
        new(typeof(TestFunctions).Assembly, (services, _) => services.AddSingleton(seen),
            Path.Combine(AppContext.BaseDirectory, "LocalHost", "testfunctions.metadata"));

    [Function("Work")]
    public Task Work([QueueTrigger(Queue)] string message, long dequeueCount, CancellationToken ct) =>
        seen.RunAsync(async () =>
        {
            seen.QueueCalls.Enqueue((message, dequeueCount));
            if (message.StartsWith("hold", StringComparison.Ordinal))
            {
                await seen.Gate.WaitAsync(ct);
                return;
            }
            // Simulated work that takes a while, so overlapping runs of a batch can be observed.
            await Task.Delay(150, ct);
            if (message.StartsWith("fail", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("asked to fail: " + message);
            }
        });

    [Function("Tick")]
    public void Tick([TimerTrigger("*/5 * * * * *")] TimerInfo timer) => seen.TimerCalls.Enqueue(timer);

    [Function("Echo")]
    public static IActionResult Echo([HttpTrigger(AuthorizationLevel.Function, "get", Route = "echo/{name}")] HttpRequest req, string name) =>
        new OkObjectResult(new { name, query = req.Query["q"].ToString() });

    [Function("Open")]
    public static IActionResult Open([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "open")] HttpRequest req) =>
        new OkObjectResult("open");

    [Function("AdminOnly")]
    public static IActionResult AdminOnly([HttpTrigger(AuthorizationLevel.Admin, "post", Route = "admin/op")] HttpRequest req) =>
        new OkObjectResult("done");
}
