using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using FsCheck;
using FsCheck.Fluent;

namespace Alerting.Core.Tests.Config;

/// <summary>
/// Properties of the shared config vocabulary, checked by FsCheck on generated inputs; a failure is
/// shrunk to the smallest input that still fails.
/// </summary>
public sealed class ConfigPropertyTests
{
    private static readonly FsCheck.Config Runs = FsCheck.Config.QuickThrowOnFailure.WithMaxTest(500);

    private static readonly (string Unit, long Ms)[] Units = [("y", 31_536_000_000), ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)];

    /// <summary>Durations written as Prometheus writes them: some of the units, each once, in order.</summary>
    private static Arbitrary<int[]> DurationParts() =>
        Arb.From(Gen.ArrayOf(Gen.Choose(0, 120), Units.Length), parts => parts.Select((_, i) => parts.Select((p, j) => j == i ? p / 2 : p).ToArray()).Where(p => !p.SequenceEqual(parts)));

    [Fact]
    public void Every_duration_formats_to_text_that_parses_back_to_it() =>
        Check.One(Runs, Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue).Select(n => (long)n * 997)), ms =>
            PromDuration.Parse(PromDuration.Format(ms)) == TimeSpan.FromMilliseconds(ms)));

    [Fact]
    public void Units_in_order_parse_to_their_sum_and_out_of_order_never_parse() =>
        Check.One(Runs, Prop.ForAll(DurationParts(), parts =>
        {
            var written = string.Concat(parts.Select((n, i) => n == 0 ? string.Empty : n + Units[i].Unit));
            var expected = parts.Select((n, i) => n * Units[i].Ms).Sum();
            var reversed = string.Concat(parts.Select((n, i) => n == 0 ? string.Empty : n + Units[i].Unit).Reverse());
            var inOrder = written.Length == 0 || PromDuration.Parse(written) == TimeSpan.FromMilliseconds(expected);
            var twoUnits = parts.Count(n => n > 0) >= 2;
            return inOrder && (!twoUnits || !PromDuration.TryParse(reversed, out _));
        }));

    private static readonly Gen<string> ValueText = Gen.ArrayOf(Gen.Elements("a", "b", "\\", "\"", "\n", ".", "*", "é", " ", ",", "{", "}", "=", "~", "!")).Select(parts => string.Concat(parts));

    [Fact]
    public void A_formatted_matcher_parses_back_to_the_same_matcher() =>
        Check.One(Runs, Prop.ForAll(Arb.From(Gen.Zip(Gen.Elements(MatcherType.Equal, MatcherType.NotEqual), ValueText)), pair =>
        {
            var (type, value) = pair;
            var matcher = new LabelMatcher(type, "label_1", value);
            var parsed = Assert.Single(MatcherParser.ParseList(MatcherParser.Format(matcher)));
            return parsed.Type == type && parsed.Name == "label_1" && parsed.Value == value;
        }));
}
