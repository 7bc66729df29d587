using System.Text;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Core.Tests.Properties;
using Alerting.Tooling.Alertmanager;
using FsCheck;
using FsCheck.Fluent;

namespace Alerting.Core.Tests.Alertmanager;

/// <summary>
/// Randomly generated routing trees (nesting, continue, every matcher operator, legacy match/match_re,
/// group_by and timings) routed for random label sets: the receivers and the matching tree must be what
/// amtool 0.25 prints, and the full tree what <c>amtool config routes</c> prints. FsCheck draws the
/// trees from a fixed seed and shrinks a failing one to a smaller tree.
/// </summary>
public sealed class RandomTreeAmtoolComparisonTests
{
    private static readonly string[] Names = ["severity", "team", "env", "service", "alertname"];
    private static readonly string[][] Values =
    [
        ["critical", "warning", "info"], ["db", "ops", "web"], ["prod", "staging"], ["api", "files", "auth"], ["DiskFull", "NodeDown", "Latency"],
    ];

    private static string RandomMatcher(Choices rng, out string legacyKey, out string legacyValue)
    {
        var i = rng.Next(Names.Length);
        var v = Values[i][rng.Next(Values[i].Length)];
        var v2 = Values[i][rng.Next(Values[i].Length)];
        legacyKey = Names[i];
        legacyValue = v;
        return rng.Next(6) switch
        {
            0 => $"{Names[i]}=\"{v}\"",
            1 => $"{Names[i]}!=\"{v}\"",
            2 => $"{Names[i]}=~\"{v}|{v2}\"",
            3 => $"{Names[i]}!~\"{v[..2]}.*\"",
            4 => $"{Names[i]}={v}",
            _ => $"{Names[i]}=~\".*\"",
        };
    }

    private static void WriteRoute(StringBuilder sb, Choices rng, int depth, string indent, ref int receivers)
    {
        sb.Append(indent).Append("- receiver: r").Append(receivers++ % 6).Append('\n');
        var inner = indent + "  ";
        switch (rng.Next(4))
        {
            case 0:
                break;
            case 1:
                {
                    RandomMatcher(rng, out var k, out var v);
                    sb.Append(inner).Append(rng.Next(2) == 0 ? "match:\n" : "match_re:\n");
                    sb.Append(inner).Append("  ").Append(k).Append(": '").Append(v).Append("'\n");
                    break;
                }
            default:
                sb.Append(inner).Append("matchers:\n");
                for (var n = rng.Next(1, 3); n > 0; n--)
                {
                    sb.Append(inner).Append("  - '").Append(RandomMatcher(rng, out _, out _)).Append("'\n");
                }
                break;
        }
        // A non-zero choice adds something, so a shrunk case is a smaller tree.
        if (rng.Next(3) == 2)
        {
            sb.Append(inner).Append("continue: true\n");
        }
        if (rng.Next(4) == 3)
        {
            sb.Append(inner).Append("group_by: [").Append(Names[rng.Next(Names.Length)]).Append("]\n");
            sb.Append(inner).Append("group_wait: ").Append(rng.Next(1, 60)).Append("s\n");
        }
        if (depth < 3 && rng.Next(3) == 2)
        {
            sb.Append(inner).Append("routes:\n");
            for (var n = rng.Next(1, 4); n > 0; n--)
            {
                WriteRoute(sb, rng, depth + 1, inner + "  ", ref receivers);
            }
        }
    }

    internal static string RandomConfig(Choices rng)
    {
        var sb = new StringBuilder("route:\n  receiver: r0\n  group_by: [alertname]\n  routes:\n");
        var receivers = 1;
        for (var n = rng.Next(1, 6); n > 0; n--)
        {
            WriteRoute(sb, rng, 1, "    ", ref receivers);
        }
        sb.Append("receivers:\n");
        for (var i = 0; i < 6; i++)
        {
            sb.Append("  - name: r").Append(i).Append('\n');
        }
        return sb.ToString();
    }

    private static Labels RandomLabels(Choices rng) =>
        Labels.From(Names.Select((n, i) => (n, rng.Next(3) == 0 ? string.Empty : Values[i][rng.Next(Values[i].Length)])).ToArray());

    /// <summary>Enough choices for the deepest tree and its fifteen label sets.</summary>
    private const int ChoicesPerCase = 400;

    [AmtoolFact]
    public void FortyRandomTreesRouteFifteenLabelSetsEachLikeAmtool()
    {
        var checkedSets = 0;
        Check.One(Choices.Runs(40, 424242), Prop.ForAll(Choices.Arbitrary(ChoicesPerCase), raw =>
        {
            var rng = new Choices(raw);
            var yaml = RandomConfig(rng);
            var path = AlertmanagerTestData.WriteTemp(yaml);
            var dir = Path.GetDirectoryName(path)!;
            var cfg = AlertmanagerConfigLoader.Load(path);
            var (_, tree, _) = AlertmanagerTestData.RunAmtool(dir, "config", "routes", "--config.file=" + path);
            Assert.True(tree == AmtoolCompat.RoutingTree(cfg.Root), $"tree of\n{yaml}\n--- amtool\n{tree}--- ours\n{AmtoolCompat.RoutingTree(cfg.Root)}");
            for (var i = 0; i < 15; i++)
            {
                var labels = RandomLabels(rng);
                var (exit, stdout, stderr) = AlertmanagerTestData.RunAmtool(
                    dir, ["config", "routes", "test", "--config.file=" + path, "--tree", .. labels.Select(l => $"{l.Name}={l.Value}")]);
                Assert.True(exit == 0, stderr);
                var ours = AmtoolCompat.MatchingTree(cfg.Root, labels) + AmtoolCompat.Receivers(cfg.Root, labels) + "\n";
                checkedSets++;
                Assert.True(ours == stdout, $"{labels} on\n{yaml}\n--- amtool\n{stdout}--- ours\n{ours}");
            }
        }));
        Assert.Equal(600, checkedSets);
    }

    [Fact]
    public void GroupKeysOfRandomTreesStartWithTheRouteKeyAndHoldOnlyGroupLabels() =>
        Check.One(Choices.Runs(200, 7), Prop.ForAll(Choices.Arbitrary(ChoicesPerCase), raw =>
        {
            var rng = new Choices(raw);
            var cfg = AlertmanagerConfigLoader.Parse(RandomConfig(rng), "random.yml");
            var labels = RandomLabels(rng).With("alertname", "X");
            foreach (var m in cfg.Root.Match(labels))
            {
                Assert.StartsWith(m.RouteKey + ":{", m.GroupKey(labels), StringComparison.Ordinal);
                Assert.All(m.GroupLabels(labels), l => Assert.True(m.GroupByAll || m.GroupBy.Contains(l.Name)));
            }
        }));
}
