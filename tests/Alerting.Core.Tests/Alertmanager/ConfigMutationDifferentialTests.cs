using Alerting.Core.Alertmanager;

using Alerting.Tooling.Alertmanager;
namespace Alerting.Core.Tests.Alertmanager;

/// <summary>
/// Randomly damaged configs (lines deleted, duplicated, renamed, or given odd values) must get the same
/// verdict from us as from amtool 0.25, and the same text unless the damage is a YAML syntax error
/// (YamlDotNet and go-yaml word and place those differently).
/// </summary>
public sealed class ConfigMutationDifferentialTests
{
    private static readonly string[] Tokens =
    [
        "", "0s", "abc", "\"x\"", "yes", "[]", "{}", "5", "-1", "http://x", "ftp://y", "a:25", "localhost", "~",
        "\"...\"", "['...']", "1d", "foo=bar", "\"(", "true", "null", "[a, a]", "24:00", "monday",
    ];

    private static IEnumerable<string> Sources() =>
    [
        AlertmanagerTestData.Fixture("conf.good.yml"),
        AlertmanagerTestData.Fixture("conf.http-config.good.yml"),
        AlertmanagerTestData.Fixture("conf.victorops-default-apikey.yml"),
        AlertmanagerTestData.Fixture("conf.sns-topic-arn.yml"),
        Path.Combine(AlertmanagerTestData.TestDataDir, "routing-tree.yml"),
    ];

    private static string Mutate(string text, Random rng)
    {
        var lines = text.Split('\n').ToList();
        for (var n = rng.Next(1, 3); n > 0; n--)
        {
            var i = rng.Next(lines.Count);
            var line = lines[i];
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            switch (rng.Next(4))
            {
                case 0:
                    lines.RemoveAt(i);
                    break;
                case 1:
                    lines.Insert(i, line);
                    break;
                case 2 when colon > 0:
                    lines[i] = line[..colon] + ": " + Tokens[rng.Next(Tokens.Length)];
                    break;
                case 3 when colon > 0:
                    lines[i] = line[..colon] + "x" + line[colon..];
                    break;
            }
        }
        return string.Join('\n', lines);
    }

    [AmtoolFact]
    public void MutatedConfigsGetAmtoolsVerdictAndMessage()
    {
        var rng = new Random(20261124);
        var sources = Sources().Select(File.ReadAllText).ToArray();
        var differences = new List<string>();
        const int count = 400;
        var sameText = 0;
        for (var i = 0; i < count; i++)
        {
            var yaml = Mutate(sources[rng.Next(sources.Length)], rng);
            var path = AlertmanagerTestData.WriteTemp(yaml);
            var (exit, stdout, _) = AlertmanagerTestData.RunAmtool(Path.GetDirectoryName(path)!, "check-config", "alertmanager.yml");
            var ours = AmtoolCompat.CheckConfig([path], out var failed, out _).Replace(path, "alertmanager.yml", StringComparison.Ordinal);
            var verdictOnly = stdout.Contains("FAILED: yaml: line ", StringComparison.Ordinal);
            if ((exit != 0) != (failed > 0) || (!verdictOnly && ours != stdout))
            {
                differences.Add($"--- input\n{yaml}\n--- amtool\n{stdout}--- ours\n{ours}");
            }
            else if (ours == stdout)
            {
                sameText++;
            }
        }
        Assert.True(differences.Count == 0, $"{differences.Count} of {count} differ:\n" + string.Join('\n', differences.Take(3)));
        Assert.True(sameText > count * 3 / 4, $"only {sameText} of {count} outputs were byte-identical");
    }
}
