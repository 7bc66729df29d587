using System.Globalization;
using Alerting.Chaos;

// Usage: Alerting.Chaos [--kills 100] [--alerts-per-round 2] [--settle 900] [--quiet 90] [--min-uptime 3] [--max-uptime 12] [--seed 1] [--app-log app.log] [--outage-every N] [--outage-seconds 30] [--outage-kinds reset,busy,slow] [--resend-seconds 60]
// --settle is the longest the settle phase waits; it ends as soon as every alert is accounted for or nothing was due or delivered for --quiet seconds.
// --resend-seconds is Prometheus' --rules.alert.resend-delay: pushed alerts are re-sent that often with endsAt 4 times as far ahead.
// --kills is the number of rounds; with --outage-every N every Nth round cuts storage off instead of killing the app.
// Build the solution first: the app runs as src/Alerting.LocalHost's built dll, killed with SIGKILL.
var options = new ChaosOptions { Log = Console.Out };
string? appLog = null;
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--app-log")
    {
        appLog = args[++i];
        continue;
    }
    options = args[i] switch
    {
        "--kills" => options with { Kills = int.Parse(args[++i], CultureInfo.InvariantCulture) },
        "--alerts-per-round" => options with { AlertsPerRound = int.Parse(args[++i], CultureInfo.InvariantCulture) },
        "--settle" => options with { Settle = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)) },
        "--quiet" => options with { Quiet = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)) },
        "--min-uptime" => options with { MinUptime = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)) },
        "--max-uptime" => options with { MaxUptime = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)) },
        "--resend-seconds" => options with { Resend = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)) },
        "--seed" => options with { Seed = int.Parse(args[++i], CultureInfo.InvariantCulture) },
        "--outage-every" => options with { OutageEvery = int.Parse(args[++i], CultureInfo.InvariantCulture) },
        "--outage-kinds" => options with { OutageKinds = [.. args[++i].Split(',').Select(k => Enum.Parse<StorageFault>(k, ignoreCase: true))] },
        "--outage-seconds" => options with { OutageLength = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)) },
        _ => options,
    };
}
await using var run = new ChaosRun(options);
var report = await run.RunAsync();
Console.WriteLine(report.Format());
if (appLog is not null)
{
    // Every app process's console output, in order: where a lost or duplicated alert's story is told.
    await File.WriteAllTextAsync(appLog, report.AppLog);
}
var lost = report.Channels.Sum(c => c.Lost);
return lost == 0 && report.DuplicateBreaches.Count == 0 && report.SilencedNotified == 0 && report.AcknowledgedThenPaged == 0 ? 0 : 1;
