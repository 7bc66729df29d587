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

    /// <param name="seriesPerTarget">Pads each machine's page with gauges up to this many series (0: the demo page as it is, about a dozen).</param>
    public static async Task<BenchFleet> StartAsync(int targets, int hanging, int seriesPerTarget = 0)
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
            // Idle connections close before a 30 s interval's next scrape: 5,000 listeners plus a kept-alive
            // connection per target per scraper would pass the process' 20,000 file descriptors.
            o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(20);
        });
        var app = builder.Build();
        app.MapGet("/metrics", async (HttpContext ctx) =>
        {
            if (byPort.TryGetValue(ctx.Connection.LocalPort, out var m))
            {
                return Results.Text(seriesPerTarget > 0 ? Pad(m.RenderMetrics(), seriesPerTarget) : m.RenderMetrics(), "text/plain; version=0.0.4; charset=utf-8");
            }
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            return Results.Empty;
        });
        await app.StartAsync();
        return new BenchFleet(app, ports, machines);
    }

    /// <summary>The page plus <c>fleet_filler{i="k"}</c> gauges up to <paramref name="series"/> sample lines.</summary>
    private static string Pad(string page, int series)
    {
        var lines = page.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
        var sb = new System.Text.StringBuilder(page).Append("# TYPE fleet_filler gauge\n");
        for (var i = lines; i < series; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"fleet_filler{{i=\"{i}\"}} {i * 0.5}\n");
        }
        return sb.ToString();
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
