namespace Alerting.Core.Query;

/// <summary>Prometheus' API error types (<c>errorType</c>), each with the HTTP status Prometheus answers it with.</summary>
public enum ApiErrorType
{
    BadData,
    Execution,
    Timeout,
    Canceled,
    Internal,
    Unavailable,
    NotFound,
}

/// <summary>A request the query API refuses or a query that failed, as Prometheus reports it.</summary>
public sealed class QueryApiException : Exception
{
    public QueryApiException()
    {
    }

    public QueryApiException(string message)
        : base(message)
    {
    }

    public QueryApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public QueryApiException(ApiErrorType type, string message)
        : base(message) => Type = type;

    public ApiErrorType Type { get; } = ApiErrorType.BadData;

    /// <summary>Prometheus' <c>invalid parameter "name": reason</c>.</summary>
    public static QueryApiException InvalidParam(string parameter, string reason) =>
        new(ApiErrorType.BadData, $"invalid parameter \"{parameter}\": {reason}");

    public static string TypeName(ApiErrorType type) => type switch
    {
        ApiErrorType.BadData => "bad_data",
        ApiErrorType.Execution => "execution",
        ApiErrorType.Timeout => "timeout",
        ApiErrorType.Canceled => "canceled",
        ApiErrorType.Unavailable => "unavailable",
        ApiErrorType.NotFound => "not_found",
        _ => "internal",
    };

    /// <summary>The status code of Prometheus' <c>respondError</c> for each type.</summary>
    public static int StatusCode(ApiErrorType type) => type switch
    {
        ApiErrorType.BadData => 400,
        ApiErrorType.Execution => 422,
        ApiErrorType.Timeout or ApiErrorType.Canceled or ApiErrorType.Unavailable => 503,
        ApiErrorType.NotFound => 404,
        _ => 500,
    };
}
