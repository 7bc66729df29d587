using System.Text.Json.Serialization;
using Alerting.Core.Notify.PagerDuty;
using Microsoft.Extensions.DependencyInjection;
using Refit;

namespace Alerting.Functions.Notify;

/// <summary>
/// PagerDuty's Events API v2 as a Refit client. The route is PagerDuty's own; each call names the
/// configured <c>url</c> (Alertmanager posts to it verbatim, and users point it at proxies or the EU
/// endpoint), which <see cref="PagerDutyTargetHandler"/> applies to the request.
/// </summary>
public interface IPagerDutyEventsApi
{
    /// <summary>The base address the Refit client is registered with; only its route is ever used as is.</summary>
    public const string DefaultBaseAddress = "https://events.pagerduty.com";

    /// <summary>Request option that carries the configured endpoint to <see cref="PagerDutyTargetHandler"/>.</summary>
    public const string TargetOption = "Alerting.PagerDuty.Target";

    [Post("/v2/enqueue")]
    Task<HttpResponseMessage> EnqueueAsync(
        [Body(buffered: true)] PagerDutyEvent body,
        [Property(TargetOption)] Uri target,
        CancellationToken ct);
}

/// <summary>Sends each Events API request to the endpoint its receiver configured.</summary>
public sealed class PagerDutyTargetHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (((IDictionary<string, object?>)request.Options).TryGetValue(IPagerDutyEventsApi.TargetOption, out var target) && target is Uri uri)
        {
            request.RequestUri = uri;
        }
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Events API bodies for Refit's source-generated client (Refit 16 does not fall back to reflection).</summary>
[JsonSerializable(typeof(PagerDutyEvent))]
internal sealed partial class PagerDutyJsonContext : JsonSerializerContext;

public static class PagerDutyServices
{
    /// <summary>
    /// Registers the Events API client: a typed client from the HTTP client factory (pooled handlers,
    /// 30 s timeout) whose requests go to each receiver's configured url.
    /// </summary>
    public static IHttpClientBuilder AddPagerDutyEventsApi(this IServiceCollection services)
    {
        services.AddTransient<PagerDutyTargetHandler>();
        return services.AddRefitGeneratedClient<IPagerDutyEventsApi>(PagerDutyJsonContext.Default)
            .ConfigureHttpClient(c =>
            {
                c.BaseAddress = new Uri(IPagerDutyEventsApi.DefaultBaseAddress);
                c.Timeout = TimeSpan.FromSeconds(30);
            })
            .AddHttpMessageHandler<PagerDutyTargetHandler>();
    }
}
