namespace Alerting.Core.Model.Histograms;

/// <summary>
/// Builds a native histogram with custom buckets (NHCB) from the series of one classic histogram at one time,
/// as Prometheus' util/convertnhcb: cumulative <c>le</c> bucket counts, <c>_count</c> and <c>_sum</c>.
/// </summary>
public sealed class ClassicHistogramConverter
{
    private readonly List<(double Le, double Count)> _buckets = [];
    private double _count;
    private double _sum;
    private bool _hasCount;
    private string? _error;

    public void SetBucketCount(double le, double count)
    {
        if (_error is not null)
        {
            return;
        }
        if (double.IsNaN(le))
        {
            _error = "bucket boundary must not be NaN";
            return;
        }
        if (count < 0)
        {
            _error = "bucket count must be non-negative";
            return;
        }
        var i = _buckets.FindIndex(b => b.Le >= le);
        if (i >= 0 && _buckets[i].Le == le)
        {
            return;
        }
        if (i < 0)
        {
            if (_buckets.Count > 0 && count < _buckets[^1].Count)
            {
                _error = "count is not cumulative";
                return;
            }
            _buckets.Add((le, count));
            return;
        }
        if ((i > 0 && count < _buckets[i - 1].Count) || count > _buckets[i].Count)
        {
            _error = "count is not cumulative";
            return;
        }
        _buckets.Insert(i, (le, count));
    }

    public void SetCount(double count)
    {
        if (_error is null && count < 0)
        {
            _error = "count must be non-negative";
            return;
        }
        _count = count;
        _hasCount = true;
    }

    public void SetSum(double sum) => _sum = sum;

    /// <summary>The histogram, or an error text when the classic series do not form one.</summary>
    public (FloatHistogram? Histogram, string? Error) Convert()
    {
        if (_error is not null)
        {
            return (null, _error);
        }
        var buckets = new List<(double Le, double Count)>(_buckets);
        var count = _count;
        if (!_hasCount && buckets.Count > 0)
        {
            count = buckets[^1].Count;
        }
        if (buckets.Count == 0 || !double.IsPositiveInfinity(buckets[^1].Le))
        {
            buckets.Add((double.PositiveInfinity, count));
        }
        if (count != buckets[^1].Count)
        {
            return (null, "count mismatch");
        }
        var custom = new double[buckets.Count - 1];
        var positive = new List<HistogramBucket>(buckets.Count);
        double prev = 0;
        for (var i = 0; i < buckets.Count; i++)
        {
            var delta = buckets[i].Count - prev;
            prev = buckets[i].Count;
            if (i < custom.Length)
            {
                custom[i] = buckets[i].Le;
            }
            if (delta != 0)
            {
                positive.Add(new HistogramBucket(i, delta));
            }
        }
        return (new FloatHistogram
        {
            Schema = FloatHistogram.CustomBucketsSchema,
            Count = count,
            Sum = _sum,
            CustomValues = custom.Length == 0 ? null : custom,
            Positive = [.. positive],
        }, null);
    }
}
