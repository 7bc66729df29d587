using System.Diagnostics;

namespace Alerting.Fuzz;

/// <summary>What a bounded random run found: executions, and one input per distinct crash (exception type and throwing frame).</summary>
public sealed record FuzzRun(long Executions, IReadOnlyDictionary<string, byte[]> Crashes);

/// <summary>
/// In-process mutation fuzzing without coverage feedback: fast to start, runs anywhere (CI, a laptop), and
/// finds what structure-aware mutation of good seeds reaches. AFL++ through SharpFuzz goes deeper by hand.
/// </summary>
public static class RandomFuzzer
{
    public static FuzzRun Run(FuzzTarget target, TimeSpan budget, int seed, string? crashDir = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        var random = new Random(seed);
        var crashes = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var sw = Stopwatch.StartNew();
        var executions = 0L;
        while (sw.Elapsed < budget)
        {
            var source = target.Seeds[random.Next(target.Seeds.Count)];
            var input = Mutator.Apply(source, Mutator.RandomEdits(random, 8), target.Alphabet);
            executions++;
            if (target.Execute(input) is { } crash)
            {
                var signature = Signature(crash);
                if (crashes.TryAdd(signature, input) && crashDir is not null)
                {
                    Directory.CreateDirectory(crashDir);
                    File.WriteAllBytes(Path.Combine(crashDir, $"{target.Name}-{crashes.Count:D3}.bin"), input);
                }
            }
        }
        return new FuzzRun(executions, crashes);
    }

    /// <summary>A crash's identity: its exception type and the innermost frame of our code that threw (not the message, which varies with the input).</summary>
    public static string Signature(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var frame = new StackTrace(e, false).GetFrames()
            .Select(f => f.GetMethod())
            .FirstOrDefault(m => m?.DeclaringType?.Namespace?.StartsWith("Alerting", StringComparison.Ordinal) == true);
        return $"{e.GetType().Name} at {frame?.DeclaringType?.Name}.{frame?.Name}";
    }
}
