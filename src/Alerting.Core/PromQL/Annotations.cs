namespace Alerting.Core.PromQL;

/// <summary>
/// One warning or info annotation of a query, as Prometheus' util/annotations: the text without position
/// (<see cref="Text"/>, e.g. <c>PromQL info: metric might not be a counter, ...</c>) and the position in the
/// query it refers to. The query API returns <see cref="Format"/> of each in <c>warnings</c> / <c>infos</c>.
/// </summary>
public sealed record Annotation(bool IsWarning, string Text, PositionRange Position)
{
    /// <summary>The text with the position in <paramref name="query"/>, as Prometheus prints it: <c>... (1:8)</c>.</summary>
    public string Format(string? query)
    {
        if (query is null)
        {
            return Text;
        }
        var pos = Position.Start;
        if (pos < 0 || pos > query.Length)
        {
            return $"{Text} (invalid position)";
        }
        var before = query.AsSpan(0, pos);
        var line = before.Count('\n') + 1;
        var col = pos - before.LastIndexOf('\n');
        return $"{Text} ({line}:{col})";
    }
}

/// <summary>The annotations of one query, de-duplicated by text like Prometheus' map (the last position wins).</summary>
public sealed class PromQlAnnotations
{
    public static PromQlAnnotations Empty { get; } = new();

    private readonly Dictionary<string, Annotation> _byText = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public IReadOnlyList<Annotation> All => _order.ConvertAll(k => _byText[k]);

    public int Count => _order.Count;

    internal void Add(Annotation a)
    {
        if (!_byText.ContainsKey(a.Text))
        {
            _order.Add(a.Text);
        }
        _byText[a.Text] = a;
    }

    private readonly Dictionary<string, (long MinTs, long MaxTs, double MinBucket, double MaxBucket, double MaxDiff, int Count)> _monotonicity = new(StringComparer.Ordinal);

    /// <summary>
    /// histogram_quantile's forced-monotonicity info: one annotation per metric, merged over steps like Prometheus'
    /// (bucket range, largest fix and time range of all affected samples).
    /// </summary>
    internal void AddMonotonicity(string baseText, PositionRange pos, long ts, double minBucket, double maxBucket, double maxDiff)
    {
        var s = _monotonicity.TryGetValue(baseText, out var prev)
            ? (Math.Min(prev.MinTs, ts), Math.Max(prev.MaxTs, ts), Math.Min(prev.MinBucket, minBucket), Math.Max(prev.MaxBucket, maxBucket), Math.Max(prev.MaxDiff, maxDiff), prev.Count + 1)
            : (ts, ts, minBucket, maxBucket, maxDiff, 1);
        _monotonicity[baseText] = s;
        var text = $"{baseText}, from buckets {G(s.Item3)} to {G(s.Item4)}, with a max diff of {Model.GoFloat.Format(s.Item5, 'g', 2)}, over {s.Item6} samples from {Time(s.Item1)} to {Time(s.Item2)}";
        if (!_byText.ContainsKey(baseText))
        {
            _order.Add(baseText);
        }
        _byText[baseText] = new Annotation(false, text, pos);

        static string G(double v) => Model.GoFloat.Format(v, 'g', -1);

        static string Time(long ms) => DateTimeOffset.FromUnixTimeSeconds(ms / 1000).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
    }

    internal void Warn(string text, PositionRange pos) => Add(new Annotation(true, "PromQL warning: " + text, pos));

    internal void Info(string text, PositionRange pos) => Add(new Annotation(false, "PromQL info: " + text, pos));

    /// <summary>Warnings and infos as Prometheus' API returns them for <paramref name="query"/>.</summary>
    public (IReadOnlyList<string> Warnings, IReadOnlyList<string> Infos) AsStrings(string? query)
    {
        var warnings = new List<string>();
        var infos = new List<string>();
        foreach (var a in All)
        {
            (a.IsWarning ? warnings : infos).Add(a.Format(query));
        }
        return (warnings, infos);
    }
}
