using Alerting.Core.Alertmanager;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

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

    /// <summary>One edit: what to do (delete, duplicate, new value, renamed key), to which line and with which token.</summary>
    public readonly record struct Mutation(int Kind, int Line, int Token);

    /// <summary>A source fixture and one or two edits; a failing case shrinks to fewer edits.</summary>
    private static Arbitrary<(int Source, Mutation[] Edits)> Cases(int sources)
    {
        var edit = Gen.Zip(Gen.Choose(0, 3), Gen.Zip(Gen.Choose(0, 1000), Gen.Choose(0, Tokens.Length - 1), (l, t) => (l, t)), (k, lt) => new Mutation(k, lt.l, lt.t));
        var gen = Gen.Zip(Gen.Choose(0, sources - 1), Gen.Choose(1, 2).SelectMany(n => Gen.ArrayOf(edit, n)), (s, e) => (s, e));
        return Arb.From(gen, c => c.e.Length > 1 ? c.e.Select((_, i) => (c.s, c.e.Where((_, j) => j != i).ToArray())) : []);
    }

    private static string Mutate(string text, IEnumerable<Mutation> edits)
    {
        var lines = text.Split('\n').ToList();
        foreach (var e in edits)
        {
            var i = e.Line % lines.Count;
            var line = lines[i];
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            switch (e.Kind)
            {
                case 0:
                    lines.RemoveAt(i);
                    break;
                case 1:
                    lines.Insert(i, line);
                    break;
                case 2 when colon > 0:
                    lines[i] = line[..colon] + ": " + Tokens[e.Token];
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
        var sources = Sources().Select(File.ReadAllText).ToArray();
        const int count = 400;
        var sameText = 0;
        // A fixed seed keeps the 400 cases the same from run to run; FsCheck shrinks a failing case to its fewest edits.
        var config = FsCheck.Config.QuickThrowOnFailure.WithMaxTest(count)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(20261124UL), FSharpOption<int>.None)));
        Check.One(config, Prop.ForAll(Cases(sources.Length), c =>
        {
            var yaml = Mutate(sources[c.Source], c.Edits);
            var path = AlertmanagerTestData.WriteTemp(yaml);
            var (exit, stdout, _) = AlertmanagerTestData.RunAmtool(Path.GetDirectoryName(path)!, "check-config", "alertmanager.yml");
            var ours = AmtoolCompat.CheckConfig([path], out var failed, out _).Replace(path, "alertmanager.yml", StringComparison.Ordinal);
            var verdictOnly = stdout.Contains("FAILED: yaml: line ", StringComparison.Ordinal);
            sameText += ours == stdout ? 1 : 0;
            Assert.True((exit != 0) == (failed > 0) && (verdictOnly || ours == stdout), $"--- input\n{yaml}\n--- amtool\n{stdout}--- ours\n{ours}");
        }));
        Assert.True(sameText > count * 3 / 4, $"only {sameText} of {count} outputs were byte-identical");
    }
}
