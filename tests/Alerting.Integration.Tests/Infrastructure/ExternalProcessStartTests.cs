using System.Net.Sockets;
using Alerting.LocalServices;

namespace Alerting.Integration.Tests.Infrastructure;

/// <summary>
/// The test peers (Azurite, MailDev, Prometheus...) start on ports picked free a moment earlier; another process can
/// take such a port first. The start must then try again on new ports instead of failing the test that needed the peer.
/// </summary>
public sealed class ExternalProcessStartTests
{
    [Fact]
    public async Task A_peer_that_exits_before_it_listens_is_started_again_on_new_ports()
    {
        var tried = new List<int[]>();
        var (process, ports) = await ExternalProcess.StartListeningAsync(1, p =>
        {
            tried.Add(p);
            // The first start fails as a lost bind race does: the process exits without listening.
            return tried.Count == 1
                ? ExternalProcess.Start("/bin/sh", "-c", "echo 'listen EADDRINUSE' >&2; exit 1")
                : ExternalProcess.Start("/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", $"{p[0]}");
        });
        await using var _ = process;

        Assert.Equal(2, tried.Count);
        Assert.Equal(tried[1], ports);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", ports[0]);
        Assert.False(process.HasExited);
    }

    [Fact]
    public async Task A_peer_that_never_listens_fails_after_a_bounded_number_of_starts_with_its_output()
    {
        var starts = 0;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ExternalProcess.StartListeningAsync(2, _ =>
        {
            starts++;
            return ExternalProcess.Start("/bin/sh", "-c", "echo 'cannot bind' >&2; exit 3");
        }, attempts: 3));

        Assert.Equal(3, starts);
        Assert.Contains("cannot bind", error.Message, StringComparison.Ordinal);
        Assert.Contains("exited with 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_that_finds_someone_else_on_its_port_is_started_again_on_new_ports()
    {
        var checkedPorts = new List<int>();
        var (process, ports) = await ExternalProcess.StartListeningAsync(1,
            p => ExternalProcess.Start("/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", $"{p[0]}"),
            // The first listener reached is taken for someone else's, as a peer with stored state would be.
            isOurs: (_, p) =>
            {
                checkedPorts.Add(p[0]);
                return Task.FromResult(checkedPorts.Count > 1);
            });
        await using var _ = process;

        Assert.Equal(2, checkedPorts.Count);
        Assert.Equal(checkedPorts[1], ports[0]);
        Assert.False(process.HasExited);
    }
}
