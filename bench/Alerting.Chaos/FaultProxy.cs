using System.Net;
using System.Net.Sockets;

namespace Alerting.Chaos;

/// <summary>
/// A TCP proxy on a loopback port in front of one storage endpoint, to break storage on purpose: while
/// <see cref="Down"/> it resets every connection (open ones and new ones), as a storage outage or a
/// stopped Azurite looks to a client; <see cref="Delay"/> slows every chunk in both directions.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private volatile bool _down;

    public FaultProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public TimeSpan Delay { get; set; }

    /// <summary>Refuses storage: resets open connections now and new ones as they come.</summary>
    public bool Down
    {
        get => _down;
        set
        {
            _down = value;
            if (value)
            {
                lock (_open)
                {
                    foreach (var c in _open)
                    {
                        Reset(c);
                    }
                    _open.Clear();
                }
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (_down)
            {
                Reset(client);
                continue;
            }
            _ = Task.Run(() => PipeAsync(client));
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _target, _stop.Token).ConfigureAwait(false);
            lock (_open)
            {
                _open.Add(client);
                _open.Add(upstream);
            }
            using var down = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var a = CopyAsync(client.GetStream(), upstream.GetStream(), down.Token);
            var b = CopyAsync(upstream.GetStream(), client.GetStream(), down.Token);
            await Task.WhenAny(a, b).ConfigureAwait(false);
            await down.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
        finally
        {
            lock (_open)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }
            client.Dispose();
        }
    }

    private async Task CopyAsync(Stream from, Stream to, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                if (Delay > TimeSpan.Zero)
                {
                    await Task.Delay(Delay, ct).ConfigureAwait(false);
                }
                await to.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static void Reset(TcpClient client)
    {
        try
        {
            client.Client.LingerState = new LingerOption(true, 0); // RST, not FIN: the peer sees a broken connection
            client.Dispose();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accepting.ConfigureAwait(false);
        Down = true;
        _stop.Dispose();
    }
}
