using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Alerting.DemoFleet;

namespace Alerting.ScrapeBench;

/// <summary>
/// One Kestrel listening on every target's port, serving each demo machine's /metrics on its own port; extra
/// ports accept the request and never answer. A WebApplication per machine would measure Kestrel start-up
/// memory, not the scrape.
/// </summary>
internal sealed class BenchFleet : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BenchFleet(WebApplication app, int[] ports, FleetMachine[] machines)
    {
        _app = app;
        Ports = ports;
        Machines = machines;
    }

    /// <summary>Healthy targets first, then the hanging ones.</summary>
    public int[] Ports { get; }

    public FleetMachine[] Machines { get; }

    public static async Task<BenchFleet> StartAsync(int targets, int hanging)
    {
        var clock = TimeProvider.System;
        var machines = Enumerable.Range(1, targets).Select(i => new FleetMachine(i.ToString(CultureInfo.InvariantCulture), MachineMode.Healthy, clock, clock.GetUtcNow())).ToArray();
        var ports = DistinctFreePorts(targets + hanging);
        var byPort = new Dictionary<int, FleetMachine>();
        for (var i = 0; i < targets; i++)
        {
            byPort[ports[i]] = machines[i];
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            foreach (var p in ports)
            {
                o.Listen(IPAddress.Loopback, p);
            }
        });
        var app = builder.Build();
        app.MapGet("/metrics", async (HttpContext ctx) =>
        {
            if (byPort.TryGetValue(ctx.Connection.LocalPort, out var m))
            {
                return Results.Text(m.RenderMetrics(), "text/plain; version=0.0.4; charset=utf-8");
            }
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            return Results.Empty;
        });
        await app.StartAsync();
        return new BenchFleet(app, ports, machines);
    }

    // All held open together, so the operating system cannot hand out one port twice.
    private static int[] DistinctFreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        foreach (var l in listeners)
        {
            l.Start();
        }
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners)
        {
            l.Dispose();
        }
        return ports;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
