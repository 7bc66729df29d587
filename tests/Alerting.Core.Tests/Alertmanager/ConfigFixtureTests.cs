using Alerting.Core.Config;
using Alerting.Core.Alertmanager;

using Alerting.Tooling.Alertmanager;
namespace Alerting.Core.Tests.Alertmanager;

/// <summary>
/// Every fixture of Alertmanager's own config tests is accepted or rejected as recorded in
/// TestData/config-fixtures.tsv (amtool 0.25's verdict, or current Alertmanager's for newer fields).
/// </summary>
public sealed class ConfigFixtureTests
{
    public static TheoryData<string, string, string, string> Fixtures()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var line in File.ReadAllLines(Path.Combine(AlertmanagerTestData.TestDataDir, "config-fixtures.tsv")))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }
            var cols = line.Split('\t');
            data.Add(cols[0], cols[1], cols[2], cols[3].Replace("\\n", "\n", StringComparison.Ordinal));
        }
        return data;
    }

    [Fact]
    public void ExpectationFileCoversEveryFixture()
    {
        var listed = Fixtures().Select(row => (string)row[0]).ToHashSet();
        var onDisk = Directory.GetFiles(AlertmanagerTestData.FixtureDir, "*.yml").Select(Path.GetFileName).ToHashSet();
        Assert.Equal(onDisk.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void FixtureIsAcceptedOrRejectedLikeAlertmanager(string fixture, string verdict, string reference, string detail)
    {
        var path = AlertmanagerTestData.Fixture(fixture);
        if (verdict == "accept")
        {
            var cfg = AlertmanagerConfigLoader.Load(path);
            Assert.NotEmpty(cfg.Receivers);
            Assert.Contains(cfg.Receivers, r => r.Name == cfg.Root.Receiver);
        }
        else
        {
            var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Load(path));
            Assert.True(detail == e.Detail, $"{fixture} ({reference}): expected \"{detail}\" but got \"{e.Detail}\"");
            Assert.Equal(path, e.File);
        }
    }

    public static TheoryData<string> AmtoolReferenceFixtures()
    {
        var data = new TheoryData<string>();
        foreach (var row in Fixtures().Where(r => (string)r[2] == "amtool-0.25"))
        {
            data.Add((string)row[0]);
        }
        return data;
    }

    [AmtoolTheory]
    [MemberData(nameof(AmtoolReferenceFixtures))]
    public void CheckConfigOutputIsIdenticalToAmtool(string fixture)
    {
        var (exit, stdout, _) = AlertmanagerTestData.RunAmtool(AlertmanagerTestData.FixtureDir, "check-config", fixture);
        var path = AlertmanagerTestData.Fixture(fixture);
        var ours = AmtoolCompat.CheckConfig([path], out var failed, out _);
        Assert.Equal(stdout, ours.Replace(path, fixture, StringComparison.Ordinal));
        Assert.Equal(exit != 0, failed > 0);
    }
}
