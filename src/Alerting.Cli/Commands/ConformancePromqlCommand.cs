using Alerting.Core.PromQL.Testing;

namespace Alerting.Cli.Commands;

/// <summary>`alerting conformance promql [dir]`: runs Prometheus' PromQL test scripts and reports per file.</summary>
public sealed class ConformancePromqlCommand : ICliCommand
{
    public IReadOnlyList<string> Verb { get; } = ["conformance", "promql"];

    public string Summary => "run Prometheus' PromQL test scripts (*.test) in a directory";

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var verbose = args.Contains("-v") || args.Contains("--verbose");
        var dir = args.FirstOrDefault(a => !a.StartsWith('-')) ?? Path.Combine("..", "shared", "conformance", "promql");
        if (!Directory.Exists(dir))
        {
            stderr.WriteLine($"promql: directory not found: {dir}");
            return Task.FromResult(2);
        }
        int passed = 0, failed = 0, skipped = 0;
        foreach (var file in Directory.GetFiles(dir, "*.test").Order(StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            var r = PromQlTestRunner.RunFile(file, ct);
            passed += r.Passed;
            failed += r.Failed;
            skipped += r.Skipped;
            stdout.WriteLine($"{r.Name}: {r.Passed} passed, {r.Failed} failed, {r.Skipped} skipped");
            foreach (var c in r.Cases)
            {
                if (c.Status == CaseStatus.Failed || (verbose && c.Status == CaseStatus.Skipped))
                {
                    stdout.WriteLine($"  {(c.Status == CaseStatus.Failed ? "FAIL" : "SKIP")} line {c.Line}: {c.Command}");
                    stdout.WriteLine($"       {c.Message}");
                }
            }
        }
        stdout.WriteLine($"promql: {passed} passed, {failed} failed, {skipped} skipped");
        return Task.FromResult(failed > 0 ? 1 : 0);
    }
}
