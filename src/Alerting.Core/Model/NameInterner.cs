using System.Collections.Concurrent;

namespace Alerting.Core.Model;

/// <summary>
/// A process-wide pool of metric and label names. Scrapes repeat the same few hundred names every
/// interval; looking them up by span means a steady-state scrape allocates no name strings at all.
/// Bounded so that a target emitting random names cannot grow the pool without limit.
/// </summary>
internal static class NameInterner
{
    private const int MaxEntries = 100_000;

    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        Pool.GetAlternateLookup<ReadOnlySpan<char>>();

    public static string Intern(ReadOnlySpan<char> name)
    {
        if (Lookup.TryGetValue(name, out var existing))
        {
            return existing;
        }
        var s = name.ToString();
        return Pool.Count < MaxEntries ? Pool.GetOrAdd(s, s) : s;
    }
}
