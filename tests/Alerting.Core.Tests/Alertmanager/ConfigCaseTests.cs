using Alerting.Core.Config;
using System.Text.RegularExpressions;
using Alerting.Core.Alertmanager;

using Alerting.Tooling.Alertmanager;
namespace Alerting.Core.Tests.Alertmanager;

/// <summary>
/// Edge cases of Alertmanager's config validation (TestData/config-cases.txt): our verdict and message
/// equal the recorded amtool 0.25 text, and, where amtool is installed, its live output.
/// </summary>
public sealed partial class ConfigCaseTests
{
    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in Cases().Keys)
        {
            data.Add(name);
        }
        return data;
    }

    private static Dictionary<string, (string Yaml, string Expected)> Cases()
    {
        var text = File.ReadAllText(Path.Combine(AlertmanagerTestData.TestDataDir, "config-cases.txt"));
        var cases = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var part in CaseSeparator().Split(text).Skip(1))
        {
            var nl = part.IndexOf('\n', StringComparison.Ordinal);
            var name = part[..nl];
            var body = part[(nl + 1)..];
            var marker = body.IndexOf("--- expect: ", StringComparison.Ordinal);
            cases.Add(name, (body[..marker], body[(marker + "--- expect: ".Length)..].TrimEnd('\n').Replace("\\n", "\n", StringComparison.Ordinal)));
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void VerdictAndMessageMatchAmtool(string name)
    {
        var (yaml, expected) = Cases()[name];
        if (expected == "SUCCESS")
        {
            var cfg = AlertmanagerConfigLoader.Parse(yaml, "case.yml");
            Assert.NotNull(cfg.GetReceiver(cfg.Root.Receiver));
        }
        else
        {
            var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "case.yml"));
            Assert.Equal(expected, e.Detail);
            Assert.StartsWith("case.yml", e.Message, StringComparison.Ordinal);
        }
    }

    [AmtoolTheory]
    [MemberData(nameof(CaseNames))]
    public void CheckConfigOutputIsIdenticalToAmtool(string name)
    {
        var path = AlertmanagerTestData.WriteTemp(Cases()[name].Yaml);
        var (exit, stdout, _) = AlertmanagerTestData.RunAmtool(Path.GetDirectoryName(path)!, "check-config", "alertmanager.yml");
        var ours = AmtoolCompat.CheckConfig([path], out var failed, out _);
        Assert.Equal(stdout, ours.Replace(path, "alertmanager.yml", StringComparison.Ordinal));
        Assert.Equal(exit != 0, failed > 0);
    }

    [GeneratedRegex("^=== ", RegexOptions.Multiline)]
    private static partial Regex CaseSeparator();
}
