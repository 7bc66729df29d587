namespace Alerting.LocalHost;

/// <summary>How the local host runs; bound from the <c>LocalHost</c> configuration section and command line.</summary>
public sealed class LocalHostOptions
{
    /// <summary>Kestrel address; tests use port 0 for a free port.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:7071";

    /// <summary>Key required by <c>AuthorizationLevel.Function</c> routes (<c>?code=</c> or <c>x-functions-key</c>).</summary>
    public string FunctionKey { get; set; } = "local-function-key";

    /// <summary>Key accepted everywhere and required by <c>AuthorizationLevel.Admin</c> routes.</summary>
    public string MasterKey { get; set; } = "local-master-key";

    public bool EnableTimers { get; set; } = true;

    public bool EnableQueuePumps { get; set; } = true;

    /// <summary>
    /// Whether queue pumps poll when the app's own message becomes visible (<c>QueueWakeups</c>). Off, they
    /// find messages by polling alone, backing off to <c>maxPollingInterval</c> as Azure's listener does;
    /// the first-notification bench turns it off to show what the wake-ups save.
    /// </summary>
    public bool QueueWakeups { get; set; } = true;

    /// <summary>Clock speed-up for demos (1 = real time).</summary>
    public double TimeScale { get; set; } = 1;

    public string HostJsonPath { get; set; } = "host.json";

    /// <summary>How long a queue message stays leased to a running function before renewal (renewed at half).</summary>
    public TimeSpan QueueLease { get; set; } = QueuePump.DefaultLease;

    /// <summary>Optional Core Tools style <c>local.settings.json</c>; its <c>Values</c> become configuration.</summary>
    public string? LocalSettingsPath { get; set; }
}
