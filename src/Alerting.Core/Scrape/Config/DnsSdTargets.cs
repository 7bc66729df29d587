using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Alerting.Core.Model;

namespace Alerting.Core.Scrape.Config;

/// <summary>One SRV answer: where a service instance listens.</summary>
public readonly record struct SrvRecord(string Target, int Port);

/// <summary>
/// Turns DNS answers into target groups with Prometheus' <c>__meta_dns_*</c> labels, so a lookup done by
/// the I/O side (e.g. AAAA for Fly.io's <c>&lt;app&gt;.internal</c>) feeds the same relabelling as Prometheus.
/// </summary>
public static class DnsSdTargets
{
    public const string NameLabel = "__meta_dns_name";
    public const string SrvTargetLabel = "__meta_dns_srv_record_target";
    public const string SrvPortLabel = "__meta_dns_srv_record_port";

    /// <summary>A/AAAA answers: one target per address on the configured port (IPv6 in brackets).</summary>
    public static TargetGroup FromAddresses(string name, IEnumerable<IPAddress> addresses, int port)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var targets = addresses.Select(a => HostPort(a, port)).ToArray();
        return new TargetGroup(targets, Labels.From((NameLabel, name)), name);
    }

    /// <summary>SRV answers: one target per record, the trailing root dot of the host removed.</summary>
    public static IReadOnlyList<TargetGroup> FromSrv(string name, IEnumerable<SrvRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return records.Select(r =>
        {
            var host = r.Target.TrimEnd('.');
            var port = r.Port.ToString(CultureInfo.InvariantCulture);
            var address = (IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]" : host) + ":" + port;
            return new TargetGroup([address], Labels.From((NameLabel, name), (SrvTargetLabel, r.Target), (SrvPortLabel, port)), name);
        }).ToArray();
    }

    private static string HostPort(IPAddress address, int port)
    {
        var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return host + ":" + port.ToString(CultureInfo.InvariantCulture);
    }
}
