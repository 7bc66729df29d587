using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Integration.Tests.Remote;

/// <summary>A loopback HTTP server answering every request with <paramref name="handle"/>: a fixed scrape target, or a misbehaving datasource.</summary>
internal sealed class TinyHttpServer(WebApplication app, int port) : IAsyncDisposable
{
    public Uri Url { get; } = new($"http://127.0.0.1:{port}");

    public int Port => port;

    public static async Task<TinyHttpServer> StartAsync(RequestDelegate handle)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Port 0: Kestrel binds a port the kernel picks, so no other process can take it between pick and bind.
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(handle);
        await app.StartAsync();
        return new TinyHttpServer(app, new Uri(app.Urls.Single()).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
