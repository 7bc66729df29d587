using Alerting.Tooling.PromQL;

namespace Alerting.Cli.Commands;

/// <summary>
/// `alerting conformance promql &lt;dir&gt;`: runs Prometheus' PromQL test scripts and reports per file the
/// passed, failed and skipped cases, each failure with its cause and each skip with its reason.
/// </summary>
public sealed class ConformancePromqlCommand : ICliCommand
{
    public IReadOnlyList<string> Verb { get; } = ["conformance", "promql"];

    public string Summary => "run Prometheus' PromQL test scripts (*.test) in a directory";

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var quiet = args.Contains("-q") || args.Contains("--quiet");
        var dir = args.FirstOrDefault(a => !a.StartsWith('-'));
        if (dir is null)
        {
            stderr.WriteLine("usage: alerting conformance promql <dir> [--quiet]   (--quiet hides the list of skipped cases)");
            return Task.FromResult(2);
        }
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
                if (c.Status == CaseStatus.Failed)
                {
                    stdout.WriteLine($"  FAIL line {c.Line}: {c.Command}");
                    stdout.WriteLine($"       {c.Message}");
                }
                else if (c.Status == CaseStatus.Skipped && !quiet)
                {
                    stdout.WriteLine($"  SKIP line {c.Line}: {c.Message}");
                }
            }
        }
        stdout.WriteLine($"promql: {passed} passed, {failed} failed, {skipped} skipped");
        return Task.FromResult(failed > 0 ? 1 : 0);
    }
}
