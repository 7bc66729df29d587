using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Core.Tests.Properties;
using Alerting.Tooling.Alertmanager;
using FsCheck;
using FsCheck.Fluent;

namespace Alerting.Core.Tests.Alertmanager;

/// <summary>
/// Differential tests against the reference <c>amtool</c> (Alertmanager 0.25): for several configs and
/// hundreds of label sets FsCheck generates, <c>amtool config routes test --tree</c> and our rendering must print
/// byte-identical output (matching tree and receivers).
/// </summary>
public sealed class RoutesAmtoolComparisonTests
{
    private static readonly string[][] Vocabulary =
    [
        ["alertname", "HighDBSyncFailureRate", "DiskFull", "NodeDown", "LatencyHigh"],
        ["severity", "critical", "warning", "info", "page"],
        ["service", "foo1", "foo2", "baz", "files", "database", "other"],
        ["owner", "team-X", "team-Y"],
        ["owner2", "team-X"],
        ["team", "db", "storage", "ops", "frontend"],
        ["cluster", "a", "b"],
        ["env", "prod", "staging", "dev"],
        ["component", "sync", "api"],
        ["region", "zürich", "paris"],
    ];

    /// <summary>A label set drawn from the vocabulary: each label present with probability one half.</summary>
    private static Labels LabelSet(Choices rng)
    {
        var pairs = new List<(string, string)>();
        foreach (var v in Vocabulary)
        {
            // 0 leaves the label out, so a shrunk case has fewer labels.
            if (rng.Next(2) == 1)
            {
                pairs.Add((v[0], v[1 + rng.Next(v.Length - 1)]));
            }
        }
        return Labels.From([.. pairs]);
    }

    /// <summary>Seed 002's alertmanager.yml with its placeholders filled so amtool accepts it.</summary>
    internal static string Seed002Runnable() =>
        AlertmanagerTestData.SeedConfig("002", "Create `alertmanager.yml`")
            .Replace("<your_slack_webhook_url>", "https://hooks.slack.com/services/T0/B0/X", StringComparison.Ordinal)
            .Replace("resolve_timeout: 5m", "resolve_timeout: 5m\n  smtp_smarthost: 'localhost:25'\n  smtp_from: 'alertmanager@example.org'", StringComparison.Ordinal);

    public static TheoryData<string> Configs() => new() { "seed-002", "conf.good.yml", "routing-tree.yml" };

    private static string ConfigPath(string name) => name switch
    {
        "seed-002" => AlertmanagerTestData.WriteTemp(Seed002Runnable()),
        "conf.good.yml" => AlertmanagerTestData.Fixture(name),
        _ => Path.Combine(AlertmanagerTestData.TestDataDir, name),
    };

    private static string[] Args(Labels labels) => labels.Select(l => $"{l.Name}={l.Value}").ToArray();

    [AmtoolTheory]
    [MemberData(nameof(Configs))]
    public void MatchingTreeAndReceiversAreIdenticalToAmtoolFor220LabelSets(string config)
    {
        var path = ConfigPath(config);
        var cfg = AlertmanagerConfigLoader.Load(path);
        void Compare(Labels labels)
        {
            var (exit, stdout, stderr) = AlertmanagerTestData.RunAmtool(
                Path.GetDirectoryName(path)!, ["config", "routes", "test", "--config.file=" + path, "--tree", .. Args(labels)]);
            Assert.True(exit == 0, stderr);
            var ours = AmtoolCompat.MatchingTree(cfg.Root, labels) + AmtoolCompat.Receivers(cfg.Root, labels) + "\n";
            Assert.True(ours == stdout, $"{labels}:\n--- amtool\n{stdout}--- ours\n{ours}");
        }

        Compare(Labels.Empty);
        // FsCheck shrinks a label set that differs to the fewest labels that still differ.
        Check.One(Choices.Runs(219, (ulong)config.Length), Prop.ForAll(Choices.Arbitrary(2 * Vocabulary.Length), raw => Compare(LabelSet(new Choices(raw)))));
    }

    [AmtoolTheory]
    [MemberData(nameof(Configs))]
    public void RoutingTreeIsIdenticalToAmtool(string config)
    {
        var path = ConfigPath(config);
        var (_, stdout, _) = AlertmanagerTestData.RunAmtool(Path.GetDirectoryName(path)!, "config", "routes", "--config.file=" + path);
        Assert.Equal(stdout, AmtoolCompat.RoutingTree(AlertmanagerConfigLoader.Load(path).Root));
    }

    [AmtoolFact]
    public void SeedConfigsGetAmtoolsVerdict()
    {
        var seeds = new[]
        {
            AlertmanagerTestData.SeedConfig("002", "Create `alertmanager.yml`"),
            AlertmanagerTestData.SeedConfig("003", "alertmanager.yml"),
            Seed002Runnable(),
        };
        foreach (var yaml in seeds)
        {
            var path = AlertmanagerTestData.WriteTemp(yaml);
            var (exit, stdout, _) = AlertmanagerTestData.RunAmtool(Path.GetDirectoryName(path)!, "check-config", "alertmanager.yml");
            var ours = AmtoolCompat.CheckConfig([path], out var failed, out _);
            Assert.Equal(stdout, ours.Replace(path, "alertmanager.yml", StringComparison.Ordinal));
            Assert.Equal(exit != 0, failed > 0);
        }
    }
}
