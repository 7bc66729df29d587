using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerting.DemoFleet;

/// <summary>
/// A fleet of demo machines, each on its own 127.0.0.1 port serving <c>/metrics</c> like a Fly machine's
/// <c>:8080/metrics</c>. A machine in <see cref="MachineMode.Down"/> has its port closed, as a crashed
/// machine would. Usable in-process by tests and as a program by <c>./run</c>.
/// </summary>
public sealed class DemoFleet : IAsyncDisposable
{
    private readonly List<(FleetMachine Machine, WebApplication? App, int Port)> _machines = [];

    private DemoFleet()
    {
    }

    public IReadOnlyList<(FleetMachine Machine, int Port)> Machines => _machines.Select(m => (m.Machine, m.Port)).ToArray();

    public static async Task<DemoFleet> StartAsync(IReadOnlyList<FleetMachine> machines, int basePort, CancellationToken ct = default)
    {
        var fleet = new DemoFleet();
        for (var i = 0; i < machines.Count; i++)
        {
            var machine = machines[i];
            var port = basePort == 0 ? 0 : basePort + i;
            if (machine.Mode == MachineMode.Down)
            {
                fleet._machines.Add((machine, null, port == 0 ? FreePort() : port));
                continue;
            }
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
            var app = builder.Build();
            app.MapGet("/metrics", () => Results.Text(machine.RenderMetrics(), "text/plain; version=0.0.4; charset=utf-8"));
            app.MapGet("/health", () => Results.Ok(new { status = "ok", machine = machine.Name }));
            await app.StartAsync(ct).ConfigureAwait(false);
            var address = new Uri(app.Urls.First());
            fleet._machines.Add((machine, app, address.Port));
        }
        return fleet;
    }

    /// <summary>Scrape targets for a Prometheus <c>static_configs</c> section, one group per machine.</summary>
    public string StaticConfigsYaml(string indent = "      ") => string.Concat(_machines.Select(m =>
        $"{indent}- targets: ['127.0.0.1:{m.Port}']\n{indent}  labels:\n{indent}    machine: '{m.Machine.Name}'\n"));

    /// <summary>Completes when the process is asked to stop (Ctrl-C, SIGTERM).</summary>
    public Task WaitForShutdownAsync() =>
        _machines.FirstOrDefault(m => m.App is not null).App is { } app ? app.WaitForShutdownAsync() : Task.Delay(Timeout.Infinite);

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, app, _) in _machines)
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
