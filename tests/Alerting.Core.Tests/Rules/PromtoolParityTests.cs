using System.Text.RegularExpressions;
using Alerting.Tooling.Rules;
using YamlDotNet.RepresentationModel;

namespace Alerting.Core.Tests.Rules;

/// <summary>
/// Runs the real promtool (Prometheus 2.42, the reference) and ours on the same inputs and requires the
/// same verdicts and the same words. When promtool is not installed there is nothing to compare with
/// and these tests only run our side (CI installs promtool).
/// </summary>
public sealed partial class PromtoolParityTests
{
    private static string ConformanceDir => TestPaths.Conformance("promtool");

    /// <summary>Our own scenarios beyond Prometheus' test data (unaligned eval times, staleness, keep_firing_for...).</summary>
    private static string ScenarioDir => Path.Combine(TestPaths.RepoRoot, "tests", "Alerting.Core.Tests", "Rules", "TestData");

    private static string Locate(string file) =>
        File.Exists(Path.Combine(ConformanceDir, file)) ? Path.Combine(ConformanceDir, file) : Path.Combine(ScenarioDir, file);

    public static TheoryData<string> YamlFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(ConformanceDir, "*.yml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }
        return data;
    }

    /// <summary>Test files (they have a top-level <c>tests:</c>), with the index of each test group.</summary>
    public static TheoryData<string, int> TestGroups()
    {
        var data = new TheoryData<string, int>();
        var files = Directory.GetFiles(ConformanceDir, "*.yml").Concat(Directory.GetFiles(ScenarioDir, "*.test.yml"));
        foreach (var f in files.Order(StringComparer.Ordinal))
        {
            if (Root(File.ReadAllText(f)) is { } root && root.Children.TryGetValue(new YamlScalarNode("tests"), out var tests) && tests is YamlSequenceNode seq)
            {
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    data.Add(Path.GetFileName(f), i);
                }
            }
        }
        return data;
    }

    [PromtoolTheory]
    [MemberData(nameof(YamlFiles))]
    public void Check_rules_prints_what_promtool_prints(string file)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var exit = RuleChecker.CheckFiles([(file, File.ReadAllText(Path.Combine(ConformanceDir, file)))], true, false, stdout, stderr);

        Assert.StartsWith("Checking " + file + "\n", stdout.ToString(), StringComparison.Ordinal);
        var reference = Promtool.Run(ConformanceDir, "check", "rules", file);
        Assert.Equal(reference.Stderr, stderr.ToString());
        Assert.Equal(reference.Stdout, stdout.ToString());
        Assert.Equal(reference.Exit, exit);
    }

    [PromtoolTheory]
    [MemberData(nameof(TestGroups))]
    public void Test_group_passes_or_fails_as_under_promtool(string file, int group)
    {
        using var dir = new TempDir();
        var path = dir.Write("group.yml", SingleGroupFile(Locate(file), group));

        var ours = new RuleUnitTester().RunFile(path);

        // Whatever the verdict, it must be one promtool could give, never our internal-failure fallback.
        Assert.DoesNotContain(ours.Errors, e => e.Contains("    error: ", StringComparison.Ordinal));
        var reference = Promtool.Run(dir.Path, "test", "rules", path);
        var theirs = ReferenceErrors(reference.Stderr);
        if (KnownDifferences().ContainsKey($"{file}#{group}"))
        {
            Assert.False(reference.Exit == 0 == ours.Passed && Normalize(theirs) == Normalize(string.Join("\n", ours.Errors)), "listed as a known difference but now agrees with promtool: remove it from promtool-known-differences.txt");
            return;
        }
        Assert.True(reference.Exit == 0 == ours.Passed, $"promtool exit {reference.Exit}, ours: {string.Join("\n", ours.Errors)}\npromtool: {reference.Stderr}");
        Assert.Equal(Normalize(theirs), Normalize(string.Join("\n", ours.Errors)));
    }

    [PromtoolFact]
    public void Test_file_promtool_2_42_cannot_read_is_rejected_by_ours_with_the_same_error()
    {
        // unittest.yml comes from Prometheus 3 and uses native-histogram expectations unknown to 2.42.
        var path = Path.Combine(ConformanceDir, "unittest.yml");

        var ours = new RuleUnitTester().RunFile(path);

        var error = Assert.Single(ours.Errors);
        Assert.StartsWith("yaml: unmarshal errors:\n  line 66: field histogram not found in type main.sample", error, StringComparison.Ordinal);
        Assert.Equal(ReferenceErrors(Promtool.Run(ConformanceDir, "test", "rules", path).Stderr), error);
    }

    [PromtoolFact]
    public void Whole_conformance_test_files_report_identically_to_promtool()
    {
        foreach (var file in new[] { "good-sd-file.json", "failing.yml", "bad-promql.yml", "bad-input-series.yml", "bad-rules-syntax-test.yml", "at-modifier-test.yml", "negative-offset-test.yml" })
        {
            var stdout = new StringWriter { NewLine = "\n" };
            var stderr = new StringWriter { NewLine = "\n" };
            var path = Path.Combine(ConformanceDir, file);
            var exit = new RuleUnitTester().Run([path], stdout, stderr);
            Assert.Equal(file is "at-modifier-test.yml" or "negative-offset-test.yml" ? 0 : 1, exit);
            Assert.StartsWith("Unit Testing:  " + path + "\n", stdout.ToString(), StringComparison.Ordinal);
            var reference = Promtool.Run(ConformanceDir, "test", "rules", path);
            Assert.Equal(reference.Exit, exit);
            Assert.Equal(reference.Stdout, stdout.ToString());
            Assert.Equal(Normalize(reference.Stderr), Normalize(stderr.ToString()));
        }
    }

    private static Dictionary<string, string> KnownDifferences()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "tests", "Alerting.Core.Tests", "Rules", "promtool-known-differences.txt");
        return File.ReadAllLines(path)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToDictionary(l => l.Split(' ')[0], l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal);
    }

    [Fact]
    public void Every_known_difference_has_a_reason()
    {
        Assert.All(KnownDifferences(), d => Assert.True(d.Value.Length > 20, d.Key + " needs a reason"));
    }

    /// <summary>promtool's stderr without the "  FAILED:" header: the errors, one per line group.</summary>
    private static string ReferenceErrors(string stderr)
    {
        var text = stderr.Replace("\r\n", "\n", StringComparison.Ordinal);
        const string header = "  FAILED:\n";
        var at = text.IndexOf(header, StringComparison.Ordinal);
        return (at >= 0 ? text[(at + header.Length)..] : text).TrimEnd('\n');
    }

    /// <summary>
    /// Known, documented wording difference: the series listed in a many-to-many matching error come
    /// out in storage order, which differs between Prometheus' TSDB and our store; compare them as a set.
    /// </summary>
    private static string Normalize(string text) =>
        DuplicateSeriesList().Replace(text.TrimEnd('\n'), m =>
            "operation: [" + string.Join(", ", m.Groups[1].Value.Split("}, {").Select(s => s.Trim('{', '}')).Order(StringComparer.Ordinal)) + "];");

    [GeneratedRegex(@"operation: \[(.*?)\];")]
    private static partial Regex DuplicateSeriesList();

    private static YamlMappingNode? Root(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count > 0 ? stream.Documents[0].RootNode as YamlMappingNode : null;
    }

    /// <summary>A copy of a test file holding only one test group, with rule files made absolute.</summary>
    private static string SingleGroupFile(string path, int group)
    {
        var root = Root(File.ReadAllText(path))!;
        var copy = new YamlMappingNode();
        foreach (var (k, v) in root.Children)
        {
            var key = ((YamlScalarNode)k).Value;
            copy.Add(k, key switch
            {
                "tests" => new YamlSequenceNode(((YamlSequenceNode)v).Children[group]),
                "rule_files" => new YamlSequenceNode(((YamlSequenceNode)v).Children
                    .Select(f => (YamlNode)new YamlScalarNode(Path.Combine(Path.GetDirectoryName(path)!, ((YamlScalarNode)f).Value!))
                    {
                        Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted,
                    })),
                _ => v,
            });
        }
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(copy)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
