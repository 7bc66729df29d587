using Microsoft.AspNetCore.Http;

namespace Alerting.Fakes;

/// <summary>
/// What a fake's <c>FailNext</c> arms: the next requests are answered with a transient failure (429 or a
/// 5xx) instead of being served, as the real service does under load, so tests can drive the retry paths.
/// </summary>
public sealed class TransientFailures(string service)
{
    private readonly Lock _gate = new();
    private int _status;
    private int _count;

    /// <summary>Fails the next <paramref name="count"/> requests with <paramref name="status"/>.</summary>
    public void Arm(int status, int count)
    {
        if (status != StatusCodes.Status429TooManyRequests && status < 500)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, $"{service} fails transiently only with 429 or 5xx");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            (_status, _count) = (status, count);
        }
    }

    /// <summary>The status this request fails with, or null when it is to be served.</summary>
    public int? Take()
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                return null;
            }
            _count--;
            return _status;
        }
    }
}
