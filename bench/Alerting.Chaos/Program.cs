using System.Globalization;
using Alerting.Chaos;

// Usage: Alerting.Chaos [--kills 100] [--alerts-per-round 2] [--settle 100] [--seed 1] [--outage-every N] [--outage-seconds 30]
// --kills is the number of rounds; with --outage-every N every Nth round cuts storage off instead of killing the app.
// Build the solution first: the app runs as src/Alerting.LocalHost's built dll, killed with SIGKILL.
var options = new ChaosOptions { Log = Console.Out };
for (var i = 0; i < args.Length - 1; i++)
{
    options = args[i] switch
    {
        "--kills" => options with { Kills = int.Parse(args[++i], CultureInfo.InvariantCulture) },
        "--alerts-per-round" => options with { AlertsPerRound = int.Parse(args[++i], CultureInfo.InvariantCulture) },
        "--settle" => options with { Settle = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)) },
        "--seed" => options with { Seed = int.Parse(args[++i], CultureInfo.InvariantCulture) },
        "--outage-every" => options with { OutageEvery = int.Parse(args[++i], CultureInfo.InvariantCulture) },
        "--outage-seconds" => options with { OutageLength = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)) },
        _ => options,
    };
}
await using var run = new ChaosRun(options);
var report = await run.RunAsync();
Console.WriteLine(report.Format());
var lost = report.Channels.Sum(c => c.Lost);
var pagerDutyDuplicates = report.Channels.Single(c => c.Channel == "pagerduty").Duplicated;
return lost == 0 && pagerDutyDuplicates == 0 && report.SilencedNotified == 0 && report.AcknowledgedThenPaged == 0 ? 0 : 1;
