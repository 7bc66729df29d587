using Alerting.Core.Model;

using Alerting.Core.PromQL;

namespace Alerting.Tooling.PromQL;

/// <summary>
/// Reads series written like the <c>load</c> blocks of Prometheus' test scripts into a store:
/// <c>load 30s</c> sets the step for the lines that follow, each line is <c>metric{labels} values</c>.
/// </summary>
public static class LoadFormat
{
    public static MemorySeriesStore Read(string content, long defaultStepMs = 60_000)
    {
        ArgumentNullException.ThrowIfNull(content);
        var store = new MemorySeriesStore();
        var step = defaultStepMs;
        var lineNo = 0;
        foreach (var raw in content.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            if (line.StartsWith("load ", StringComparison.Ordinal) || line.StartsWith("load\t", StringComparison.Ordinal))
            {
                step = PromQlTestRunner.ParseTime(line[5..].Trim());
                continue;
            }
            try
            {
                var (desc, values) = SeriesNotation.SplitLine(line);
                var labels = SeriesNotation.ParseLabels(desc);
                var seq = SeriesNotation.ParseValues(values);
                for (var i = 0; i < seq.Count; i++)
                {
                    if (!seq[i].Omitted && !seq[i].IsHistogram)
                    {
                        store.Append(labels, new Sample(i * step, seq[i].Value));
                    }
                }
            }
            catch (Exception ex) when (ex is FormatException or PromQlParseException)
            {
                throw new FormatException($"line {lineNo}: {ex.Message}", ex);
            }
        }
        return store;
    }
}
