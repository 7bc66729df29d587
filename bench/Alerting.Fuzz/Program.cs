using System.Diagnostics;
using System.Globalization;
using Alerting.Fuzz;

// Usage:
//   Alerting.Fuzz list
//   Alerting.Fuzz seeds <target> <dir>           write the target's seed corpus (AFL's -i directory)
//   Alerting.Fuzz afl <target>                   one AFL++ child: run under afl-fuzz after `sharpfuzz` instrumented the assemblies
//   Alerting.Fuzz random <target|all> <seconds> [crash-dir]   in-process structure-aware mutation, no coverage feedback
//   Alerting.Fuzz replay <target> <file>...      run saved inputs (AFL crashes) and print what each does
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Alerting.Fuzz list | seeds <target> <dir> | afl <target> | random <target|all> <seconds> [crash-dir] | replay <target> <file>...");
    return 2;
}
switch (args[0])
{
    case "list":
        foreach (var t in FuzzTargets.All)
        {
            Console.WriteLine(t.Name);
        }
        return 0;
    case "seeds":
    {
        var t = FuzzTargets.Get(args[1]);
        Directory.CreateDirectory(args[2]);
        for (var i = 0; i < t.Seeds.Count; i++)
        {
            File.WriteAllText(Path.Combine(args[2], $"seed-{i:D2}"), t.Seeds[i]);
        }
        return 0;
    }
    case "afl":
    {
        var t = FuzzTargets.Get(args[1]);
        // Rejections are answers; any other exception escapes and AFL++ records the input as a crash.
        SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            if (t.Execute(buffer.ToArray()) is { } crash)
            {
                throw new InvalidOperationException($"{t.Name} crashed", crash);
            }
        });
        return 0;
    }
    case "random":
    {
        var seconds = double.Parse(args[2], CultureInfo.InvariantCulture);
        var crashDir = args.Length > 3 ? args[3] : null;
        var targets = args[1] == "all" ? FuzzTargets.All : [FuzzTargets.Get(args[1])];
        var total = 0L;
        var distinct = 0;
        foreach (var t in targets)
        {
            var result = RandomFuzzer.Run(t, TimeSpan.FromSeconds(seconds / targets.Count), seed: Environment.TickCount, crashDir);
            total += result.Executions;
            distinct += result.Crashes.Count;
            Console.WriteLine($"{t.Name,-24} {result.Executions,9} executions  {result.Crashes.Count} distinct crashes");
            foreach (var (signature, input) in result.Crashes)
            {
                Console.WriteLine($"  {signature}\n    {t.Execute(input)?.Message.Split('\n')[0]}\n    input (base64): {Convert.ToBase64String(input)}");
            }
        }
        Console.WriteLine($"total {total} executions, {distinct} distinct crashes");
        return distinct == 0 ? 0 : 1;
    }
    case "replay":
    {
        var t = FuzzTargets.Get(args[1]);
        foreach (var file in args.Skip(2))
        {
            var sw = Stopwatch.StartNew();
            var crash = t.Execute(File.ReadAllBytes(file));
            Console.WriteLine($"{file}: {(crash is null ? "ok" : crash.ToString())} ({sw.ElapsedMilliseconds} ms)");
        }
        return 0;
    }
    default:
        Console.Error.WriteLine($"unknown command '{args[0]}'");
        return 2;
}
