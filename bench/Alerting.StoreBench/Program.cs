using System.Globalization;
using Alerting.StoreBench;

// Alerting.StoreBench: the sample store against Prometheus 2.42 on the same seed-fleet data (bench/README.md).
//   prepare    --dir D --machines N --series S --hours H [--step-seconds 60] [--ticks K]
//   eval       --dir D [--head all|rules]        our store: blocks and tick log on Azurite, K evaluation ticks
//   prometheus --dir D                           Prometheus: same blocks, the head window by remote write
//   remote-eval --dir D                          our rules against Prometheus as the datasource vs its own evaluation
//   rest       --dir D --machines N --hours H    promtool's backfill of the same data vs our blocks
//   remote-write --machines N --series S --rounds R  the remote write receiver, ours vs Prometheus'
//   remote-write-out --machines N --series S --rounds R  remote_write out: our forwarder vs Prometheus' sender, one receiver
//   query      --dir D --machines N --series S [--hours 1] [--step-seconds 15] [--rounds 5] [--seeds DIR]  query_range of the seeds' dashboard queries, ours vs Prometheus
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Alerting.StoreBench prepare|eval|prometheus|rest --dir DIR [options]");
    return 2;
}
string? Opt(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
int Int(string name, int fallback) => Opt(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
var dir = Opt("--dir") ?? Path.Combine(Path.GetTempPath(), "storebench");
Directory.CreateDirectory(dir);
switch (args[0])
{
    case "prepare":
        Prepare.Run(dir, Int("--machines", 1000), Int("--series", 100), Int("--hours", 24), TimeSpan.FromSeconds(Int("--step-seconds", 60)), Int("--ticks", 10));
        return 0;
    case "eval":
        await Eval.RunAsync(dir, Opt("--head") == "all");
        return 0;
    case "prometheus":
        await PrometheusRun.RunAsync(dir);
        return 0;
    case "remote-eval":
        await RemoteEval.RunAsync(dir);
        return 0;
    case "rest":
        AtRest.Run(dir, Int("--machines", 100), Int("--series", 100), Int("--hours", 24), TimeSpan.FromSeconds(Int("--step-seconds", 60)));
        return 0;
    case "remote-write":
        await RemoteWriteIn.RunAsync(Int("--machines", 1000), Int("--series", 10), Int("--rounds", 10));
        return 0;
    case "remote-write-out":
        await RemoteWriteOut.RunAsync(Int("--machines", 1000), Int("--series", 10), Int("--rounds", 10));
        return 0;
    case "query":
        await QueryRange.RunAsync(dir, Int("--machines", 40), Int("--series", 0), Int("--hours", 1), Opt("--seeds") ?? "/work/shared/seeds", Int("--step-seconds", 15), Int("--rounds", 5));
        return 0;
    default:
        Console.Error.WriteLine($"unknown mode {args[0]}");
        return 2;
}
