using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Alerting.Fuzz.Tests;

/// <summary>
/// The bounded fuzz run CI does: every parser that reads user input gets seeds mutated by FsCheck
/// (grammar tokens inserted and repeated, bytes replaced, ranges cut and duplicated). A correct parser
/// accepts the input or rejects it with its own error; anything else fails, and FsCheck shrinks the
/// edits to the fewest that still crash. ALERTING_FUZZ_CASES sets the cases per target (CI: 250).
/// </summary>
public sealed class ParserFuzzTests
{
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("ALERTING_FUZZ_CASES"), out var n) && n > 0 ? n : 250;

    public static TheoryData<string> Targets()
    {
        var data = new TheoryData<string>();
        foreach (var t in FuzzTargets.All)
        {
            data.Add(t.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Mutated_input_is_accepted_or_rejected_with_the_parsers_own_error(string name)
    {
        var target = FuzzTargets.Get(name);
        var property = Prop.ForAll(
            ArbMap.Default.ArbFor<int>(),
            ArbMap.Default.ArbFor<int[]>(),
            (seed, raw) =>
            {
                var input = Mutate(target, seed, raw);
                var crash = target.Execute(input);
                return crash is null
                    ? true
                    : throw new InvalidOperationException($"{name} crashed on {Show(input)}: {crash}");
            });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true), property);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_seed_runs_without_crashing(string name)
    {
        var target = FuzzTargets.Get(name);
        foreach (var seed in target.Seeds)
        {
            Assert.Null(target.Execute(Encoding.UTF8.GetBytes(seed)));
        }
    }

    /// <summary>Four raw integers make one edit, so FsCheck's shrinking of the array shrinks the edit list.</summary>
    internal static byte[] Mutate(FuzzTarget target, int seed, int[] raw)
    {
        var edits = new List<Edit>();
        for (var i = 0; i + 3 < raw.Length; i += 4)
        {
            edits.Add(new Edit((EditKind)Math.Abs(raw[i] % 6), raw[i + 1], raw[i + 2], raw[i + 3]));
        }
        return Mutator.Apply(target.Seeds[Math.Abs(seed % target.Seeds.Count)], edits, target.Alphabet);
    }

    private static string Show(byte[] input) => $"\"{Encoding.UTF8.GetString(input).Replace("\n", "\\n", StringComparison.Ordinal)}\" (base64 {Convert.ToBase64String(input)})";
}
