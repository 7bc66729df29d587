using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alerting.LocalServices;

/// <summary>An error the page reported: an uncaught exception, a console.error call, or a browser log entry (CSP, network).</summary>
public sealed record BrowserError(string Source, string Level, string Text, string? Url = null);

/// <summary>A JavaScript exception thrown by an evaluated expression, with the browser's message.</summary>
public sealed class BrowserScriptException(string message) : Exception(message);

/// <summary>
/// Debian's headless Chromium driven over the Chrome DevTools Protocol, so tests can load the operator
/// page and click it as a person would. Only what the tests need: one page target, navigation,
/// evaluation, polling for a condition, and real mouse clicks. Each instance has its own profile
/// directory and debugging port, so tests can run side by side.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    private static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(30);

    private readonly ExternalProcess _process;
    private readonly string _userDataDir;
    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly List<(string Method, TaskCompletionSource<JsonObject> Completion)> _eventWaiters = [];
    private readonly List<BrowserError> _errors = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task _receiveLoop = Task.CompletedTask;
    private int _nextId;

    private Chromium(ExternalProcess process, string userDataDir, ClientWebSocket socket, int port)
    {
        _process = process;
        _userDataDir = userDataDir;
        _socket = socket;
        DebuggingPort = port;
    }

    /// <summary>The DevTools HTTP port Chromium chose (it is started with port 0 to avoid collisions).</summary>
    public int DebuggingPort { get; }

    /// <summary>Errors the page has reported since start, in order.</summary>
    public IReadOnlyList<BrowserError> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    public static string? Binary =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists) ?? FindOnPath("chromium");

    public static async Task<Chromium> StartAsync(CancellationToken ct = default)
    {
        var bin = Binary ?? throw new InvalidOperationException("chromium is not installed: run .ci/install-deps");
        var userDataDir = Directory.CreateTempSubdirectory("alerting-chromium-").FullName;
        ExternalProcess? process = null;
        try
        {
            // --no-sandbox: tests run as root in containers, where Chromium's sandbox cannot start.
            // The background-networking flags keep an offline machine from waiting on update checks.
            process = ExternalProcess.Start(bin,
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", $"--user-data-dir={userDataDir}",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--mute-audio", "--window-size=1280,900", "about:blank");
            var port = await ReadDevToolsPortAsync(process, userDataDir, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            var target = await OpenPageTargetAsync(port, ct).ConfigureAwait(false);
            var socket = new ClientWebSocket();
            using (var connect = Timeout(DefaultCommandTimeout, ct))
            {
                await socket.ConnectAsync(target, connect.Token).ConfigureAwait(false);
            }
            var browser = new Chromium(process, userDataDir, socket, port);
            browser._receiveLoop = browser.ReceiveLoopAsync();
            await browser.SendAsync("Page.enable", null, ct).ConfigureAwait(false);
            await browser.SendAsync("Runtime.enable", null, ct).ConfigureAwait(false);
            await browser.SendAsync("Log.enable", null, ct).ConfigureAwait(false);
            return browser;
        }
        catch
        {
            if (process is not null)
            {
                await process.DisposeAsync().ConfigureAwait(false);
            }
            DeleteDirectory(userDataDir);
            throw;
        }
    }

    /// <summary>Navigates the page and waits for its load event; fails on network errors (not on HTTP error statuses).</summary>
    public async Task NavigateAsync(Uri url, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        // Registered before navigating so a fast load cannot fire between the command and the wait.
        var loaded = WaitForEvent("Page.loadEventFired");
        var result = await SendAsync("Page.navigate", new JsonObject { ["url"] = url.AbsoluteUri }, ct).ConfigureAwait(false);
        if (result["errorText"]?.GetValue<string>() is { Length: > 0 } error)
        {
            throw new InvalidOperationException($"navigation to {url} failed: {error}");
        }
        using var timeout = Timeout(DefaultCommandTimeout, ct);
        await loaded.WaitAsync(timeout.Token).ConfigureAwait(false);
    }

    public Task NavigateAsync(string url, CancellationToken ct = default) => NavigateAsync(new Uri(url), ct);

    /// <summary>
    /// Evaluates <paramref name="expression"/> in the page, awaiting it if it is a promise, and returns
    /// its JSON value. A thrown exception becomes <see cref="BrowserScriptException"/> with its message.
    /// </summary>
    public async Task<T?> EvaluateAsync<T>(string expression, CancellationToken ct = default)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["awaitPromise"] = true,
            ["returnByValue"] = true,
            ["userGesture"] = true,
        }, ct).ConfigureAwait(false);
        if (result["exceptionDetails"] is JsonObject details)
        {
            var message = details["exception"]?["description"]?.GetValue<string>()
                ?? details["exception"]?["value"]?.ToJsonString()
                ?? details["text"]?.GetValue<string>()
                ?? "evaluation failed";
            throw new BrowserScriptException($"{message} (evaluating: {expression})");
        }
        var value = result["result"]?["value"];
        return value is null ? default : value.Deserialize<T>();
    }

    /// <summary>Polls a JavaScript condition until it is truthy, failing after <paramref name="timeout"/> with the condition.</summary>
    public async Task WaitForAsync(string condition, TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await EvaluateAsync<bool>($"!!({condition})", ct).ConfigureAwait(false))
            {
                return;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"condition not met within {timeout}: {condition}");
            }
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Clicks the first element matching <paramref name="selector"/> with real mouse events at its centre,
    /// so hit-testing, disabled state and overlays apply as they would for a person.
    /// </summary>
    public async Task ClickAsync(string selector, CancellationToken ct = default)
    {
        var point = await EvaluateAsync<JsonObject>($$"""
            (() => {
              const el = document.querySelector({{JsonSerializer.Serialize(selector)}});
              if (!el) return null;
              el.scrollIntoView({ block: 'center', inline: 'center' });
              const r = el.getBoundingClientRect();
              return { x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height };
            })()
            """, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"no element matches {selector}");
        if (point["w"]!.GetValue<double>() <= 0 || point["h"]!.GetValue<double>() <= 0)
        {
            throw new InvalidOperationException($"element {selector} is not visible");
        }
        var x = point["x"]!.GetValue<double>();
        var y = point["y"]!.GetValue<double>();
        foreach (var type in new[] { "mouseMoved", "mousePressed", "mouseReleased" })
        {
            var args = new JsonObject { ["type"] = type, ["x"] = x, ["y"] = y };
            if (type != "mouseMoved")
            {
                args["button"] = "left";
                args["buttons"] = type == "mousePressed" ? 1 : 0;
                args["clickCount"] = 1;
            }
            await SendAsync("Input.dispatchMouseEvent", args, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a raw CDP command to the page and returns its result; CDP errors become exceptions.</summary>
    public async Task<JsonObject> SendAsync(string method, JsonObject? parameters, CancellationToken ct = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        var completion = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = completion;
        try
        {
            var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
            using var timeout = Timeout(DefaultCommandTimeout, ct);
            await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
            try
            {
                return await completion.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"CDP {method} got no response within {DefaultCommandTimeout}");
            }
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private Task<JsonObject> WaitForEvent(string method)
    {
        var completion = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_eventWaiters)
        {
            _eventWaiters.Add((method, completion));
        }
        return completion.Task;
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        Exception? failure = null;
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var received = await _socket.ReceiveAsync(buffer, _stopping.Token).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }
                var node = JsonNode.Parse(message.GetBuffer().AsSpan(0, (int)message.Length)) as JsonObject;
                message.SetLength(0);
                if (node is not null)
                {
                    Dispatch(node);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is WebSocketException or JsonException)
        {
            failure = e;
        }
        // Nothing more will arrive: fail whoever is still waiting instead of letting them time out.
        var closed = new InvalidOperationException("the DevTools connection closed" + (failure is null ? string.Empty : ": " + failure.Message) + Environment.NewLine + _process.Output);
        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(closed);
        }
        lock (_eventWaiters)
        {
            foreach (var (_, completion) in _eventWaiters)
            {
                completion.TrySetException(closed);
            }
            _eventWaiters.Clear();
        }
    }

    private void Dispatch(JsonObject node)
    {
        if (node["id"] is { } idNode)
        {
            if (_pending.TryGetValue(idNode.GetValue<int>(), out var completion))
            {
                if (node["error"] is JsonObject error)
                {
                    completion.TrySetException(new InvalidOperationException($"CDP error {error["code"]}: {error["message"]} {error["data"]}".TrimEnd()));
                }
                else
                {
                    completion.TrySetResult(node["result"] as JsonObject ?? []);
                }
            }
            return;
        }
        var method = node["method"]?.GetValue<string>();
        var parameters = node["params"] as JsonObject ?? [];
        if (method is null)
        {
            return;
        }
        RecordError(method, parameters);
        lock (_eventWaiters)
        {
            for (var i = _eventWaiters.Count - 1; i >= 0; i--)
            {
                if (_eventWaiters[i].Method == method)
                {
                    _eventWaiters[i].Completion.TrySetResult(parameters);
                    _eventWaiters.RemoveAt(i);
                }
            }
        }
    }

    private void RecordError(string method, JsonObject parameters)
    {
        BrowserError? error = method switch
        {
            "Runtime.exceptionThrown" => new BrowserError("exception", "error",
                parameters["exceptionDetails"]?["exception"]?["description"]?.GetValue<string>()
                ?? parameters["exceptionDetails"]?["text"]?.GetValue<string>() ?? "uncaught exception",
                parameters["exceptionDetails"]?["url"]?.GetValue<string>()),
            "Runtime.consoleAPICalled" when parameters["type"]?.GetValue<string>() is "error" or "assert" => new BrowserError("console", "error",
                string.Join(' ', (parameters["args"]?.AsArray() ?? []).Select(a => a?["value"]?.ToString() ?? a?["description"]?.GetValue<string>() ?? string.Empty))),
            "Log.entryAdded" when parameters["entry"]?["level"]?.GetValue<string>() is "error" => new BrowserError(
                parameters["entry"]?["source"]?.GetValue<string>() ?? "log", "error",
                parameters["entry"]?["text"]?.GetValue<string>() ?? string.Empty,
                parameters["entry"]?["url"]?.GetValue<string>()),
            _ => null,
        };
        if (error is not null)
        {
            lock (_errors)
            {
                _errors.Add(error);
            }
        }
    }

    private static async Task<int> ReadDevToolsPortAsync(ExternalProcess process, string userDataDir, TimeSpan timeout, CancellationToken ct)
    {
        // Chromium writes "<port>\n<browser target path>" once the DevTools server listens.
        var file = Path.Combine(userDataDir, "DevToolsActivePort");
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"chromium exited before opening DevTools: {process.Output}");
            }
            if (File.Exists(file))
            {
                try
                {
                    var first = (await File.ReadAllLinesAsync(file, ct).ConfigureAwait(false)).FirstOrDefault();
                    if (int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port > 0)
                    {
                        return port;
                    }
                }
                catch (IOException)
                {
                    // Still being written; the next poll reads it whole.
                }
            }
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
        throw new TimeoutException($"chromium did not write {file} within {timeout}: {process.Output}");
    }

    private static async Task<Uri> OpenPageTargetAsync(int port, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = DefaultCommandTimeout };
        // Recent Chromium only accepts PUT here, as a guard against drive-by pages opening targets.
        using var response = await http.PutAsync(new Uri("json/new?about:blank", UriKind.Relative), null, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"DevTools /json/new answered {(int)response.StatusCode}: {body}");
        }
        var ws = JsonNode.Parse(body)?["webSocketDebuggerUrl"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"DevTools /json/new returned no webSocketDebuggerUrl: {body}");
        return new Uri(ws);
    }

    private static CancellationTokenSource Timeout(TimeSpan timeout, CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        return cts;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static void DeleteDirectory(string path)
    {
        // Chromium's helpers can hold files for a moment after the kill; a few retries, then leave it to the OS.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(100);
            }
            catch (UnauthorizedAccessException)
            {
                Thread.Sleep(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _receiveLoop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or JsonException)
        {
        }
        _socket.Abort();
        _socket.Dispose();
        await _process.DisposeAsync().ConfigureAwait(false);
        DeleteDirectory(_userDataDir);
        _sendLock.Dispose();
        _stopping.Dispose();
    }
}
