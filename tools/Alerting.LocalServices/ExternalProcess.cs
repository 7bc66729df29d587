using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Alerting.LocalServices;

/// <summary>A real peer process (Azurite, MailDev, node-exporter) owned by a test, killed with it.</summary>
public sealed class ExternalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ExternalProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The operating system's process id (benchmarks read its CPU time from <c>/proc/&lt;id&gt;/stat</c>).</summary>
    public int Id => _process.Id;

    /// <summary>Lets starters that wait on something other than a port (a file, a log line) fail fast on a crash.</summary>
    public bool HasExited => _process.HasExited;

    public static ExternalProcess Start(string fileName, params string[] args)
    {
        var psi = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return new ExternalProcess(Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}"));
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts a process that listens on <paramref name="portCount"/> fresh loopback ports and waits until all of them
    /// accept connections. A port picked by <see cref="FreePort"/> is only free when it is picked: another process can
    /// bind it before ours does (EADDRINUSE), so a process that exits before it is listening is started again on new
    /// ports, a bounded number of times. A peer that can tell whether the listener on its port is its own (an empty
    /// in-memory store, a log line saying it bound) passes <paramref name="isOurs"/>: false also means start again.
    /// </summary>
    public static async Task<(ExternalProcess Process, int[] Ports)> StartListeningAsync(int portCount, Func<int[], ExternalProcess> start, int attempts = 4,
        Func<ExternalProcess, int[], Task<bool>>? isOurs = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        for (var attempt = 1; ; attempt++)
        {
            var ports = Enumerable.Range(0, portCount).Select(_ => FreePort()).ToArray();
            var process = start(ports);
            try
            {
                foreach (var port in ports)
                {
                    await process.WaitForPortAsync(port).ConfigureAwait(false);
                }
                // A port can answer for someone else who took it; our process then exits on the bind error just after.
                await Task.Delay(200).ConfigureAwait(false);
                if (process.HasExited)
                {
                    throw await process.ExitedAsync().ConfigureAwait(false);
                }
                if (isOurs is not null && !await isOurs(process, ports).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"another process answers on port {string.Join(", ", ports)}: {process.Output}");
                }
                return (process, ports);
            }
            catch (InvalidOperationException) when (attempt < attempts)
            {
                await process.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await process.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// The error for a process that exited, with all it printed: the exit is seen before the last redirected
    /// lines are read, so wait (bounded) for the output to end first, or the message can lack the reason.
    /// </summary>
    private async Task<InvalidOperationException> ExitedAsync()
    {
        using var outputEnd = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(outputEnd.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A child that inherited the pipes can hold them open: report what was read so far.
        }
        return new InvalidOperationException($"process exited with {_process.ExitCode}: {Output}");
    }

    /// <summary>Waits (bounded) until the port accepts connections, failing with the process output.</summary>
    public async Task WaitForPortAsync(int port, TimeSpan? timeout = null)
    {
        // Generous: a Node peer (Azurite, MailDev) takes over 30 s to listen on a busy shared 2-core machine.
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw await ExitedAsync().ConfigureAwait(false);
            }
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
        throw new TimeoutException($"port {port} did not open: {Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
