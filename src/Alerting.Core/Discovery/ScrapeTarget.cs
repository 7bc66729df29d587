using System.Text;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Relabel;
using Alerting.Core.Model;

namespace Alerting.Core.Discovery;

/// <summary>
/// A target after relabelling: <see cref="Labels"/> are what its series are stamped with (no
/// <c>__</c>-prefixed labels); <see cref="Url"/> is built from <c>__scheme__</c>, <c>__address__</c>,
/// <c>__metrics_path__</c> and <c>__param_*</c>, which relabelling may have rewritten.
/// </summary>
public sealed record ScrapeTarget(Labels Labels, Labels InternalLabels, Uri Url, TimeSpan Interval, TimeSpan Timeout)
{
    public string Instance => Labels[PromNames.Instance];

    public string Job => Labels[PromNames.Job];
}

/// <summary>The outcome for one discovered label set: a target, dropped by relabelling, or invalid.</summary>
public sealed record TargetResult(ScrapeTarget? Target, Labels Discovered, string? Error)
{
    public bool Dropped => Target is null && Error is null;
}

/// <summary>Prometheus' <c>PopulateLabels</c>: scrape-config defaults, relabelling, then finalisation.</summary>
public static class TargetBuilder
{
    /// <param name="addDefaultPort">
    /// Prometheus 2.x appended :80/:443 to a port-less address (so <c>instance</c> became <c>host:80</c>);
    /// Prometheus 3 does not. Off by default; on to keep 2.x instance labels when migrating.
    /// </param>
    public static TargetResult Build(Labels discovered, ScrapeConfig cfg, bool addDefaultPort = false)
    {
        ArgumentNullException.ThrowIfNull(discovered);
        ArgumentNullException.ThrowIfNull(cfg);
        var builder = discovered.ToDictionary();
        SetIfAbsent(builder, PromNames.Job, cfg.JobName);
        SetIfAbsent(builder, PromNames.ScrapeInterval, PromDuration.Format(cfg.ScrapeInterval));
        SetIfAbsent(builder, PromNames.ScrapeTimeout, PromDuration.Format(cfg.ScrapeTimeout));
        SetIfAbsent(builder, PromNames.MetricsPath, cfg.MetricsPath);
        SetIfAbsent(builder, PromNames.Scheme, cfg.Scheme);
        foreach (var (name, values) in cfg.Params)
        {
            if (values.Count > 0)
            {
                SetIfAbsent(builder, PromNames.ParamPrefix + name, values[0]);
            }
        }
        var preRelabel = Labels.From(builder);

        var relabelled = Relabeler.Process(preRelabel, cfg.RelabelConfigs);
        if (relabelled is null)
        {
            return new TargetResult(null, preRelabel, null);
        }
        var address = relabelled[PromNames.Address];
        if (TargetAddress.Check(address) is { } problem)
        {
            return new TargetResult(null, preRelabel, problem);
        }
        if (addDefaultPort && NeedsPort(address))
        {
            address += relabelled[PromNames.Scheme] == "https" ? ":443" : ":80";
            relabelled = relabelled.With(PromNames.Address, address);
        }
        if (!PromDuration.TryParse(relabelled[PromNames.ScrapeInterval], out var interval))
        {
            return new TargetResult(null, preRelabel, $"error parsing scrape interval: \"{relabelled[PromNames.ScrapeInterval]}\"");
        }
        if (interval == TimeSpan.Zero)
        {
            return new TargetResult(null, preRelabel, "scrape interval cannot be 0");
        }
        if (!PromDuration.TryParse(relabelled[PromNames.ScrapeTimeout], out var timeout))
        {
            return new TargetResult(null, preRelabel, $"error parsing scrape timeout: \"{relabelled[PromNames.ScrapeTimeout]}\"");
        }
        if (timeout == TimeSpan.Zero)
        {
            return new TargetResult(null, preRelabel, "scrape timeout cannot be 0");
        }
        if (timeout > interval)
        {
            return new TargetResult(null, preRelabel,
                $"scrape timeout cannot be greater than scrape interval (\"{PromDuration.Format(timeout)}\" > \"{PromDuration.Format(interval)}\")");
        }

        // Meta labels go after relabelling; other internal labels stay on the target for URL building.
        var finalLabels = relabelled.Where(l => !l.Name.StartsWith(PromNames.MetaPrefix, StringComparison.Ordinal)).ToList();
        if (relabelled.Get(PromNames.Instance) is null)
        {
            finalLabels.Add(new Label(PromNames.Instance, address));
        }
        var internalLabels = Labels.From(finalLabels);
        var publicLabels = Labels.From(internalLabels.Where(l => !l.Name.StartsWith(PromNames.ReservedPrefix, StringComparison.Ordinal)));

        Uri url;
        try
        {
            url = BuildUrl(internalLabels, address);
        }
        catch (UriFormatException ex)
        {
            return new TargetResult(null, preRelabel, $"invalid target URL: {ex.Message}");
        }
        return new TargetResult(new ScrapeTarget(publicLabels, internalLabels, url, interval, timeout), preRelabel, null);
    }

    /// <summary>All targets of the static configs of a job (dropped ones omitted, errors included).</summary>
    public static IEnumerable<TargetResult> BuildAll(IEnumerable<TargetGroup> groups, ScrapeConfig cfg, bool addDefaultPort = false) =>
        groups.SelectMany(g => g.TargetLabelSets()).Select(l => Build(l, cfg, addDefaultPort)).Where(r => !r.Dropped);

    /// <summary>Go's rule: no port if host:port does not split but host:1234 would (bare IPv6 never gets one).</summary>
    private static bool NeedsPort(string address)
    {
        if (address.StartsWith('['))
        {
            return address.EndsWith(']');
        }
        return !address.Contains(':', StringComparison.Ordinal);
    }

    private static Uri BuildUrl(Labels labels, string address)
    {
        var scheme = labels[PromNames.Scheme];
        var path = labels[PromNames.MetricsPath];
        if (!path.StartsWith('/'))
        {
            path = "/" + path;
        }
        var query = new StringBuilder();
        foreach (var l in labels)
        {
            if (!l.Name.StartsWith(PromNames.ParamPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            query.Append(query.Length == 0 ? '?' : '&')
                 .Append(Uri.EscapeDataString(l.Name[PromNames.ParamPrefix.Length..]))
                 .Append('=')
                 .Append(Uri.EscapeDataString(l.Value));
        }
        return new Uri($"{scheme}://{address}{path}{query}");
    }

    private static void SetIfAbsent(Dictionary<string, string> b, string name, string value)
    {
        if (!b.TryGetValue(name, out var v) || v.Length == 0)
        {
            b[name] = value;
        }
    }
}
