using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Alerting.Integration.Tests.Scrape;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// A webhook receiver on 127.0.0.1 whose answers a test scripts per path: throttling with
/// <c>Retry-After</c>, a server error, or hanging until the caller gives up; once a path's script is used
/// up it accepts. Records every request with the moment it arrived.
/// </summary>
internal sealed class ScriptedReceiver : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Answer>> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private LocalServer _server = null!;

    public abstract record Answer;

    public sealed record Status(int Code, int? RetryAfterSeconds = null) : Answer;

    public sealed record Hang : Answer;

    /// <param name="Accepted">Whether the receiver answered 2xx.</param>
    public sealed record Request(string Path, string Body, TimeSpan At, bool Accepted);

    public IReadOnlyList<Request> Requests => _requests.ToArray();

    public IReadOnlyList<Request> To(string path) => Requests.Where(r => r.Path == "/" + path.TrimStart('/')).ToArray();

    public string Url(string path) => $"http://{_server.Address}/{path.TrimStart('/')}";

    public void Script(string path, params Answer[] answers) => _scripts["/" + path.TrimStart('/')] = new ConcurrentQueue<Answer>(answers);

    public static async Task<ScriptedReceiver> StartAsync()
    {
        var receiver = new ScriptedReceiver();
        receiver._server = await LocalServer.StartAsync(app => app.MapPost("/{**path}", receiver.AnswerAsync));
        return receiver;
    }

    private async Task AnswerAsync(HttpContext ctx)
    {
        var at = _clock.Elapsed;
        var path = ctx.Request.Path.Value ?? "/";
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(ctx.RequestAborted);
        var answer = _scripts.TryGetValue(path, out var script) && script.TryDequeue(out var next) ? next : new Status(200);
        _requests.Enqueue(new Request(path, body, at, answer is Status { Code: >= 200 and < 300 }));
        switch (answer)
        {
            case Hang:
                try
                {
                    await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The sender gave up, as it should.
                }
                return;
            case Status s:
                ctx.Response.StatusCode = s.Code;
                if (s.RetryAfterSeconds is { } seconds)
                {
                    ctx.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                await ctx.Response.WriteAsync(s.Code < 300 ? "ok" : "try later", ctx.RequestAborted);
                return;
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
