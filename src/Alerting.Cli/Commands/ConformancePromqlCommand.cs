using System.CommandLine;
using Alerting.Tooling.PromQL;

namespace Alerting.Cli.Commands;

/// <summary>
/// `alerting conformance promql &lt;dir&gt;`: runs Prometheus' PromQL test scripts and reports per file the
/// passed, failed and skipped cases, each failure with its cause and each skip with its reason.
/// </summary>
public sealed class ConformancePromqlCommand : ICliCommand
{
    public IReadOnlyList<string> Parents { get; } = ["conformance"];

    public Command Create()
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "hide the list of skipped cases" };
        var dir = new Argument<DirectoryInfo>("dir") { Description = "a directory of *.test scripts" };
        dir.AcceptExistingOnly();
        var command = new Command("promql", "run Prometheus' PromQL test scripts (*.test) in a directory") { quiet, dir };
        command.SetAction((result, ct) =>
        {
            var stdout = result.Out();
            int passed = 0, failed = 0, skipped = 0;
            foreach (var file in Directory.GetFiles(result.GetValue(dir)!.FullName, "*.test").Order(StringComparer.Ordinal))
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
                    else if (c.Status == CaseStatus.Skipped && !result.GetValue(quiet))
                    {
                        stdout.WriteLine($"  SKIP line {c.Line}: {c.Message}");
                    }
                }
            }
            stdout.WriteLine($"promql: {passed} passed, {failed} failed, {skipped} skipped");
            return Task.FromResult(failed > 0 ? 1 : 0);
        });
        return command;
    }
}
