using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace Alerting.Core.Tests.Properties;

/// <summary>
/// The random choices of a structured generator (a routing tree, a registry of metrics, an HTTP request),
/// read from an integer array FsCheck generates. FsCheck shrinks the array (fewer and smaller numbers),
/// and a smaller number is always the simpler choice (the first option, the shortest list, no nesting),
/// so a failing case shrinks to a simpler structure without a hand-written shrinker per generator. A
/// choice past the end of the array is 0: the simplest.
/// </summary>
public sealed class Choices(int[] raw)
{
    private int _next;

    /// <summary>A non-negative number.</summary>
    public int Next() => (int)(Take() & int.MaxValue);

    /// <summary>A choice in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive) => maxExclusive <= 1 ? 0 : (int)(Take() % maxExclusive);

    /// <summary>A choice in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    public int Next(int minInclusive, int maxExclusive) => minInclusive + Next(maxExclusive - minInclusive);

    /// <summary>A number in [0, 1), 0 the simplest.</summary>
    public double NextDouble() => Take() % 1_000_000 / 1_000_000.0;

    /// <summary>Any 64 bits, from three choices; 0 the simplest.</summary>
    public long NextInt64() => (Take() << 34) ^ (Take() << 4) ^ Take();

    public void NextBytes(byte[] into)
    {
        for (var i = 0; i < into.Length; i++)
        {
            into[i] = (byte)Next(256);
        }
    }

    private long Take() => _next < raw.Length ? Math.Abs((long)raw[_next++]) : 0;

    /// <summary>Arrays of <paramref name="length"/> choices spread over a wide range, shrunk by FsCheck's own int[] shrinker.</summary>
    public static Arbitrary<int[]> Arbitrary(int length) =>
        Arb.From(Gen.ArrayOf(Gen.Choose(0, 1 << 30), length), ArbMap.Default.ArbFor<int[]>().Shrinker);

    /// <summary><paramref name="tests"/> cases from a fixed seed, so CI runs the same cases every time; a failure throws with the shrunk case.</summary>
    public static FsCheck.Config Runs(int tests, ulong seed) =>
        FsCheck.Config.QuickThrowOnFailure.WithMaxTest(tests).WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed), FSharpOption<int>.None)));
}
