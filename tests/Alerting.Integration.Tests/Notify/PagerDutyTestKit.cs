using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Alerting.Core.Notify.PagerDuty;
using Alerting.Fakes;
using Alerting.Functions.Notify.PagerDuty;
using Alerting.Functions.Options;
using Microsoft.Extensions.Logging;

using Alerting.Fakes.Validation;
namespace Alerting.Integration.Tests.Notify;

/// <summary>Shared pieces of the PagerDuty tests: the fake with Core's contract, the notifier, captured logs.</summary>
internal static class PagerDutyTestKit
{
    /// <summary>An Events API v2 integration key of the length PagerDuty issues.</summary>
    public const string RoutingKey = "R0ut1ngKeyForTheFakeService00001";

    public static readonly PagerDutyContract Contract = new(
        PagerDutyEventValidator.Validate,
        PagerDutyEventValidator.InvalidEventResponse,
        PagerDutyEventValidator.SuccessResponse);

    public static Task<PagerDutyFake> StartFakeAsync() => PagerDutyFake.StartAsync(Contract);

    /// <summary>The notifier as AddAlerting registers it; by default one attempt per send, so a test sees how one answer is classified.</summary>
    public static PagerDutyNotifier Notifier(DeliveryOptions? delivery = null, ILoggerProvider? logs = null) =>
        NotifyTestKit.Notifier<PagerDutyNotifier>(delivery, logs);

    /// <summary>Alertmanager's dedup key: the hex SHA-256 of the group key, computed here independently.</summary>
    public static string AlertmanagerDedupKey(string groupKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(groupKey)));
}

/// <summary>Collects log lines so tests can see what an operator would read.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner._lines.Enqueue((logLevel, category, formatter(state, exception)));
            }
        }
    }
}
