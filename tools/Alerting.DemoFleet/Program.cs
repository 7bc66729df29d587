using System.Globalization;
using Alerting.Core.Time;
using Alerting.DemoFleet;

// Usage: Alerting.DemoFleet [--machines 8] [--erroring 3] [--down 1] [--base-port 18080] [--time-scale 1] [--targets-file path]
int Arg(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
string? Str(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

var count = Arg("--machines", 8);
var erroring = Arg("--erroring", 3);
var down = Arg("--down", 1);
var basePort = Arg("--base-port", 18080);
var scale = double.Parse(Str("--time-scale") ?? "1", CultureInfo.InvariantCulture);
TimeProvider time = scale == 1 ? TimeProvider.System : new ScaledTimeProvider(scale);
var origin = time.GetUtcNow();

var machines = Enumerable.Range(0, count).Select(i =>
{
    var mode = i < erroring ? MachineMode.Erroring : i >= count - down ? MachineMode.Down : MachineMode.Healthy;
    return new FleetMachine((35682909 + (i * 7919)).ToString(CultureInfo.InvariantCulture), mode, time, origin);
}).ToArray();

await using var fleet = await DemoFleet.StartAsync(machines, basePort);
foreach (var (m, port) in fleet.Machines)
{
    Console.WriteLine($"{m.Name,-20} {m.Mode,-9} http://127.0.0.1:{port}/metrics");
}
if (Str("--targets-file") is { } file)
{
    await File.WriteAllTextAsync(file, fleet.StaticConfigsYaml());
}
await fleet.WaitForShutdownAsync();
