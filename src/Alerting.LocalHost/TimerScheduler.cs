using System.Globalization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using NCrontab;

namespace Alerting.LocalHost;

/// <summary>
/// Fires one <c>[TimerTrigger]</c> function on its schedule: a six-field NCRONTAB expression (with
/// seconds, as Azure uses), a five-field one, or a <c>hh:mm:ss</c> interval. Invocations of one
/// function never overlap, like the host's singleton timer lock.
/// </summary>
public sealed partial class TimerScheduler
{
    private readonly FunctionDescriptor _function;
    private readonly FunctionInvoker _invoker;
    private readonly ILogger _logger;
    private readonly Func<DateTime, DateTime> _next;
    private readonly bool _runOnStartup;

    private readonly TimerOccurrenceClaim? _claim;

    public TimerScheduler(FunctionDescriptor function, FunctionInvoker invoker, Func<string, string> resolve, ILogger logger, TimerOccurrenceClaim? claim = null)
    {
        _claim = claim;
        _function = function;
        _invoker = invoker;
        _logger = logger;
        var attr = (TimerTriggerBinding)function.Trigger;
        Schedule = resolve(attr.Schedule);
        _runOnStartup = attr.RunOnStartup;
        _next = ParseSchedule(Schedule);
    }

    public string Schedule { get; }

    public string FunctionName => _function.Name;

    public static Func<DateTime, DateTime> ParseSchedule(string schedule)
    {
        if (TimeSpan.TryParseExact(schedule, @"hh\:mm\:ss", CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero)
        {
            return t => new DateTime(((t.Ticks / interval.Ticks) + 1) * interval.Ticks, DateTimeKind.Utc);
        }
        var fields = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var cron = CrontabSchedule.TryParse(schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = fields == 6 })
            ?? throw new FormatException($"'{schedule}' is neither an NCRONTAB expression nor an hh:mm:ss interval.");
        return cron.GetNextOccurrence;
    }

    public DateTimeOffset NextAfter(DateTimeOffset now) => new(_next(now.UtcDateTime), TimeSpan.Zero);

    public async Task RunAsync(TimeProvider time, CancellationToken ct)
    {
        var last = time.GetUtcNow();
        if (_runOnStartup)
        {
            await InvokeAsync(false, last, ct).ConfigureAwait(false);
        }
        while (!ct.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = NextAfter(now);
            try
            {
                await Task.Delay(next - now, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var fired = time.GetUtcNow();
            // Past due when we woke a whole period late (e.g. the process was suspended).
            var pastDue = fired - next > (next - last);
            last = next;
            if (!await ClaimAsync(next, ct).ConfigureAwait(false))
            {
                continue;
            }
            await InvokeAsync(pastDue, next, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Whether this process runs the occurrence: always without a claim, else only the one host that claims it.</summary>
    private async Task<bool> ClaimAsync(DateTimeOffset occurrence, CancellationToken ct)
    {
        if (_claim is null)
        {
            return true;
        }
        try
        {
            if (await _claim.TryClaimAsync(_function.Name, occurrence, ct).ConfigureAwait(false))
            {
                return true;
            }
            LogClaimedElsewhere(_logger, _function.Name, occurrence);
            return false;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down (the claim may sit in the storage SDK's retry wait): the loop ends.
            return false;
        }
        catch (Exception e)
        {
            // Storage down: every other function fails too; skipping this occurrence loses nothing the next does not
            // cover. Any failure, not only RequestFailedException: after retries the SDK throws an AggregateException,
            // and a scheduler that dies on it would never fire this timer again.
            LogClaimFailed(_logger, e, _function.Name);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Timer {Function} at {Occurrence} runs on another host")]
    private static partial void LogClaimedElsewhere(ILogger logger, string function, DateTimeOffset occurrence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Timer {Function}: could not claim the occurrence; skipped")]
    private static partial void LogClaimFailed(ILogger logger, Exception e, string function);

    public async Task InvokeAsync(bool pastDue, DateTimeOffset scheduled, CancellationToken ct)
    {
        var info = new TimerInfo
        {
            IsPastDue = pastDue,
            ScheduleStatus = new ScheduleStatus { Last = scheduled.UtcDateTime, Next = NextAfter(scheduled).UtcDateTime, LastUpdated = scheduled.UtcDateTime },
        };
        try
        {
            await _invoker.InvokeAsync(_function, _ => info, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // A failing timer run is logged and the schedule continues, as on the Functions host.
            LogTimerFailed(_logger, e, _function.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer function {Function} failed")]
    private static partial void LogTimerFailed(ILogger logger, Exception e, string function);
}
