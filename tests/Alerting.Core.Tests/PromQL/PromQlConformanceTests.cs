using Alerting.Tooling.PromQL;

namespace Alerting.Core.Tests.PromQL;

/// <summary>
/// Runs each of Prometheus' PromQL test scripts. Every failing case must be listed with a reason in
/// known-failures.txt; a listed case that now passes also fails the test so the list stays honest.
/// </summary>
public sealed class PromQlConformanceTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(TestPaths.Conformance("promql"), "*.test").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }
        return data;
    }

    private static Dictionary<string, string> KnownFailures()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "tests", "Alerting.Core.Tests", "PromQL", "known-failures.txt");
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            known[space < 0 ? line : line[..space]] = space < 0 ? string.Empty : line[(space + 1)..];
        }
        return known;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Conformance_file_has_no_unexpected_failures(string file)
    {
        var result = PromQlTestRunner.RunFile(TestPaths.Conformance("promql", file));
        var known = KnownFailures();
        var unexpected = result.Cases
            .Where(c => c.Status == CaseStatus.Failed && !known.ContainsKey($"{file}:{c.Line}"))
            .Select(c => $"line {c.Line}: {c.Command} -> {c.Message}")
            .ToList();
        Assert.True(unexpected.Count == 0, "unexpected failures:\n" + string.Join("\n", unexpected));
        var nowPassing = result.Cases
            .Where(c => c.Status == CaseStatus.Passed && known.ContainsKey($"{file}:{c.Line}"))
            .Select(c => $"line {c.Line}: {c.Command}")
            .ToList();
        Assert.True(nowPassing.Count == 0, "listed as known failures but passing (remove from known-failures.txt):\n" + string.Join("\n", nowPassing));
        Assert.True(result.Passed > 0 || result.Skipped > 0, "no cases ran");
        Assert.All(result.Cases.Where(c => c.Status == CaseStatus.Skipped), c => Assert.False(string.IsNullOrWhiteSpace(c.Message)));
    }

    /// <summary>The whole suite, native histograms and limitk/limit_ratio included, passes without skips.</summary>
    [Fact]
    public void All_conformance_cases_pass_without_skips()
    {
        int passed = 0, failed = 0, skipped = 0;
        foreach (var f in Directory.GetFiles(TestPaths.Conformance("promql"), "*.test"))
        {
            var r = PromQlTestRunner.RunFile(f);
            passed += r.Passed;
            failed += r.Failed;
            skipped += r.Skipped;
        }
        Assert.Equal("promql: 1281 passed, 0 failed, 0 skipped", $"promql: {passed} passed, {failed} failed, {skipped} skipped");
    }
}
