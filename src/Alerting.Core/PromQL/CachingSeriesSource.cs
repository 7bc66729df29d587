using System.Collections.Concurrent;
using System.Text;
using Alerting.Core.Model;

namespace Alerting.Core.PromQL;

/// <summary>
/// Remembers <see cref="ISeriesSource.Select"/> results by matchers and time window, so rules evaluated
/// together (same time, often the same selectors such as <c>rate(x[5m])</c>) scan the store once.
/// Create one per evaluation round: it never sees samples appended after a result was cached.
/// </summary>
public sealed class CachingSeriesSource(ISeriesSource inner) : ISeriesSource
{
    private readonly ConcurrentDictionary<string, Series[]> _cache = new(StringComparer.Ordinal);

    public IEnumerable<Series> Select(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        var key = new StringBuilder();
        foreach (var m in matchers)
        {
            key.Append(m).Append('\u0001');
        }
        key.Append(minTimeMs).Append('\u0001').Append(maxTimeMs);
        return _cache.GetOrAdd(key.ToString(), _ => [.. inner.Select(matchers, minTimeMs, maxTimeMs)]);
    }
}
