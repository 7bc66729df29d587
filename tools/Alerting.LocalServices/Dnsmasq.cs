using System.Globalization;

namespace Alerting.LocalServices;

/// <summary>
/// Debian's dnsmasq as an authoritative-looking DNS server on a free loopback port, answering only the
/// records a test gives it: a real server for dns_sd (A/AAAA/SRV) without touching the machine's resolvers.
/// </summary>
public sealed class Dnsmasq : IAsyncDisposable
{
    private readonly ExternalProcess _process;

    private Dnsmasq(ExternalProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>"127.0.0.1:port", the form of the <c>Alerting:DnsServer</c> setting.</summary>
    public string Address => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public string Output => _process.Output;

    public static string? Binary => new[] { "/usr/sbin/dnsmasq", "/usr/bin/dnsmasq" }.FirstOrDefault(File.Exists);

    /// <param name="hostRecords">A/AAAA answers: (name, address) each.</param>
    /// <param name="srvRecords">SRV answers: (service name, target host, port) each, e.g. ("_metrics._tcp.vyx.internal", "vyx-user-1.internal", 9100).</param>
    /// <param name="localDomain">Domain this server is authoritative for: unknown names in it get NXDOMAIN (with no upstreams, other names get REFUSED).</param>
    public static async Task<Dnsmasq> StartAsync(
        IEnumerable<(string Name, string Address)> hostRecords, IEnumerable<(string Service, string Target, int Port)> srvRecords, string localDomain = "internal")
    {
        ArgumentNullException.ThrowIfNull(hostRecords);
        ArgumentNullException.ThrowIfNull(srvRecords);
        var bin = Binary ?? throw new InvalidOperationException("dnsmasq is not installed: run .ci/install-deps");
        // No upstreams, no /etc/hosts, no config file: every answer comes from the arguments, and any other
        // name is NXDOMAIN instead of leaking to the real network. No pid file, so nothing outlives the test.
        List<string> args =
        [
            "--no-daemon", "--keep-in-foreground", "--listen-address=127.0.0.1", "--bind-interfaces",
            "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--pid-file=", "--log-facility=-", "--log-queries",
            $"--local=/{localDomain}/",
        ];
        if (Environment.UserName == "root")
        {
            // dnsmasq drops root privileges to "dnsmasq"/"nobody" by default; staying as root avoids
            // depending on which of those users exists here (it only binds a loopback port).
            args.Add("--user=root");
        }
        args.AddRange(hostRecords.Select(h => $"--host-record={h.Name},{h.Address}"));
        args.AddRange(srvRecords.Select(s => $"--srv-host={s.Service},{s.Target},{s.Port.ToString(CultureInfo.InvariantCulture)},0,10"));
        // dnsmasq serves TCP on the same port as UDP, so the port opening means it is answering.
        var (p, ports) = await ExternalProcess.StartListeningAsync(1, ports => ExternalProcess.Start(bin, [$"--port={ports[0]}", .. args]));
        return new Dnsmasq(p, ports[0]);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
