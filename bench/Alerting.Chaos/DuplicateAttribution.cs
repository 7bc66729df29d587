using System.Globalization;
using System.Text;

namespace Alerting.Chaos;

/// <summary>A kill (From = the SIGKILL, Until = the restarted app answering) or a storage outage (From/Until = the fault).</summary>
public sealed record Disruption(DisruptionKind Kind, int Number, DateTimeOffset From, DateTimeOffset Until)
{
    public string Name => Kind == DisruptionKind.Kill
        ? string.Create(CultureInfo.InvariantCulture, $"kill {Number}")
        : string.Create(CultureInfo.InvariantCulture, $"outage {Number}");
}

public enum DisruptionKind
{
    Kill,
    Outage,
}

/// <summary>Why a channel received an alert once more.</summary>
public enum CopyCause
{
    /// <summary>The previous copy was sent within one queue lease before a kill and this one after the restart: the send-to-record window.</summary>
    Kill,

    /// <summary>The previous copy was sent within one lease before or during a storage outage: the record could not be written.</summary>
    Outage,

    /// <summary>The alert resolved between the two copies: a new notification, as Alertmanager sends too.</summary>
    Refire,

    /// <summary>None of the above: a duplicate the design does not allow.</summary>
    Unexplained,
}

/// <summary>One extra copy of an alert in a channel, with the copy before it and what explains it.</summary>
public sealed record ExtraCopy(string Channel, string AlertId, DateTimeOffset Previous, DateTimeOffset At, CopyCause Cause, Disruption? By)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Channel} {AlertId}: copy at {At:HH:mm:ss.fff} after one at {Previous:HH:mm:ss.fff}; {Cause switch
        {
            CopyCause.Kill or CopyCause.Outage => $"{By!.Name} at {By.From:HH:mm:ss.fff} (back {By.Until:HH:mm:ss.fff})",
            CopyCause.Refire => "resolved in between",
            _ => "no kill or outage within a lease before the first copy, no resolve in between",
        }}");
}

/// <summary>One channel's deliveries of one alert, and when the alert resolved (as the channels saw it).</summary>
public sealed record AlertDeliveries(string Channel, string AlertId, IReadOnlyList<DateTimeOffset> Copies, IReadOnlyList<DateTimeOffset> Resolves);

/// <summary>
/// Charges every extra copy to what caused it, so the goal can be checked per kill rather than in total:
/// a copy that follows a resolve is a legitimate new notification; one whose predecessor was sent within
/// a queue lease before a kill (and which came after the restart) is that kill's send-to-record window;
/// likewise for a storage outage; anything else is unexplained.
/// </summary>
public static class DuplicateAttribution
{
    public static IReadOnlyList<ExtraCopy> Attribute(IEnumerable<AlertDeliveries> deliveries, IReadOnlyList<Disruption> disruptions, TimeSpan lease)
    {
        var ordered = disruptions.OrderBy(d => d.From).ToArray();
        var result = new List<ExtraCopy>();
        foreach (var d in deliveries)
        {
            var copies = d.Copies.Order().ToArray();
            for (var i = 1; i < copies.Length; i++)
            {
                var (previous, at) = (copies[i - 1], copies[i]);
                // A resolve between the two wins: the second copy is a new notification whatever else happened.
                if (d.Resolves.Any(r => r > previous && r < at))
                {
                    result.Add(new ExtraCopy(d.Channel, d.AlertId, previous, at, CopyCause.Refire, null));
                    continue;
                }
                // The first disruption after the earlier copy is the one that cut off its record: a kill must
                // come within one lease of the send (the message is leased that long) and the copy after the
                // restart; an outage must be under way or begin within one lease of the send.
                var by = ordered.FirstOrDefault(x => x.Kind == DisruptionKind.Kill
                    ? x.From >= previous && x.From - previous <= lease && at >= x.Until
                    : x.Until >= previous && x.From - previous <= lease && at > x.From);
                result.Add(new ExtraCopy(d.Channel, d.AlertId, previous, at,
                    by is null ? CopyCause.Unexplained : by.Kind == DisruptionKind.Kill ? CopyCause.Kill : CopyCause.Outage, by));
            }
        }
        return result;
    }

    /// <summary>
    /// The goal's breaches (issue 15: a crash "pages at most once more"): a disruption charged more than one extra copy of
    /// one alert in a channel, any PagerDuty copy not from a resolve, any unexplained copy. One kill may cost one extra
    /// copy of each alert whose flush was in flight (its send done, its record not yet written), so several alerts' copies
    /// from one kill are within the goal; the most one kill caused is in the table.
    /// </summary>
    public static IReadOnlyList<string> Breaches(IReadOnlyList<ExtraCopy> copies)
    {
        var breaches = new List<string>();
        foreach (var g in copies.Where(c => c.By is not null).GroupBy(c => (c.By!.Name, c.Channel, c.AlertId)).Where(g => g.Count() > 1))
        {
            breaches.Add(string.Create(CultureInfo.InvariantCulture, $"{g.Key.Name} caused {g.Count()} extra copies of {g.Key.AlertId} in {g.Key.Channel}"));
        }
        breaches.AddRange(copies.Where(c => c.Channel == "pagerduty" && c.Cause is CopyCause.Kill or CopyCause.Outage).Select(c => $"a second PagerDuty incident: {c}"));
        breaches.AddRange(copies.Where(c => c.Cause == CopyCause.Unexplained).Select(c => $"unexplained: {c}"));
        return breaches;
    }

    /// <summary>The attribution table: extra copies per cause and channel, and the most any one kill or outage caused.</summary>
    public static string Format(IReadOnlyList<ExtraCopy> copies, IReadOnlyList<string> channels, int kills, int outages)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"extra copies by cause",-34}{string.Concat(channels.Select(c => $"{c,11}"))}");
        foreach (var (cause, label) in new[]
        {
            (CopyCause.Kill, $"after a kill ({kills} kills)"),
            (CopyCause.Outage, $"after a storage outage ({outages})"),
            (CopyCause.Refire, "resolved, then fired again"),
            (CopyCause.Unexplained, "unexplained"),
        })
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{label,-34}{string.Concat(channels.Select(ch => $"{copies.Count(c => c.Channel == ch && c.Cause == cause),11}"))}");
        }
        foreach (var kind in new[] { DisruptionKind.Kill, DisruptionKind.Outage })
        {
            var label = kind == DisruptionKind.Kill ? "most from one kill" : "most from one outage";
            sb.AppendLine(CultureInfo.InvariantCulture, $"{label,-34}{string.Concat(channels.Select(ch => $"{copies.Where(c => c.Channel == ch && c.By?.Kind == kind).GroupBy(c => c.By!.Number).Select(g => g.Count()).DefaultIfEmpty(0).Max(),11}"))}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"{(kind == DisruptionKind.Kill ? "kills" : "outages") + " that caused any",-34}{string.Concat(channels.Select(ch => $"{copies.Where(c => c.Channel == ch && c.By?.Kind == kind).Select(c => c.By!.Number).Distinct().Count(),11}"))}");
        }
        return sb.ToString();
    }
}
