using System.Globalization;
using System.Text;
using Alerting.Core.Model;

using Alerting.Core.Rules;

using Alerting.Core.PromQL;

namespace Alerting.Tooling.Rules;

/// <summary>
/// The exact text promtool prints for durations, floats and label sets, so failure reports can be
/// compared line by line with the reference tool.
/// </summary>
public static class PromtoolText
{
    /// <summary>Go's <c>strconv.FormatFloat(v, 'E', -1, 64)</c>: shortest digits, e.g. "1E+00", "9.21888E+09".</summary>
    public static string GoFloatE(double v) => GoFloat.Format(v, 'E', -1);

    /// <summary>Prometheus' <c>labels.Labels.String()</c>: always braces, names sorted, <c>, </c> separated.</summary>
    public static string LabelSet(Labels labels)
    {
        var sb = new StringBuilder("{");
        var first = true;
        foreach (var l in labels)
        {
            if (!first)
            {
                sb.Append(", ");
            }
            first = false;
            sb.Append(l.Name).Append("=\"").Append(Labels.Escape(l.Value)).Append('"');
        }
        return sb.Append('}').ToString();
    }

}
