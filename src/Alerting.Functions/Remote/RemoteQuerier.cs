using System.Globalization;
using System.Net.Http.Headers;
using Alerting.Core.PromQL;
using Alerting.Core.Remote;
using Alerting.Core.Rules;

namespace Alerting.Functions.Remote;

/// <summary>
/// Answers a rule group's instant queries with a Prometheus-compatible <c>/api/v1/query</c> (POST, form
/// encoded, as Prometheus' own API client and vmalert send them). Transport failures, timeouts, non-2xx
/// answers and malformed JSON become the rule's <c>err</c> health naming the datasource, its URL and the
/// status. Blocking: template expansion (the <c>query</c> function) is synchronous, and the evaluation
/// runs on a timer's thread pool thread with no synchronisation context, so waiting cannot deadlock.
/// </summary>
public sealed class RemoteQuerier(DatasourceConfig datasource, HttpClient client, EntraTokenSource? entra, TimeProvider time) : IRuleQuerier
{
    private readonly Uri _endpoint = new(datasource.Url.AbsoluteUri.TrimEnd('/') + "/api/v1/query");

    /// <summary>How messages name this datasource: its name and scheme://host, never its path or query (tokens live there).</summary>
    public string Source => $"datasource \"{datasource.Name}\" ({datasource.Url.Scheme}://{datasource.Url.Authority})";

    public QueryValue Instant(string query, Expr? parsed, long timeMs, CancellationToken ct) =>
        InstantAsync(query, timeMs, ct).GetAwaiter().GetResult();

    public async Task<QueryValue> InstantAsync(string query, long timeMs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["query"] = query,
            ["time"] = (timeMs / 1000.0).ToString("0.###", CultureInfo.InvariantCulture),
            ["timeout"] = ((long)datasource.Timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms",
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            if (entra is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await entra.TokenAsync(time.GetUtcNow(), ct).ConfigureAwait(false));
            }
            using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            return QueryApiResponse.Parse(body, (int)response.StatusCode, Source);
        }
        catch (HttpRequestException e)
        {
            throw new RuleEvaluationException($"{Source}: {(e.StatusCode is { } s ? "status " + (int)s + ": " : string.Empty)}{e.Message}");
        }
        catch (Polly.Timeout.TimeoutRejectedException e)
        {
            throw new RuleEvaluationException($"{Source}: no answer within {e.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new RuleEvaluationException($"{Source}: no answer within {datasource.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (Azure.Identity.AuthenticationFailedException e)
        {
            throw new RuleEvaluationException($"{Source}: could not get a Microsoft Entra token for {entra?.Scope}: {e.Message}");
        }
    }
}
