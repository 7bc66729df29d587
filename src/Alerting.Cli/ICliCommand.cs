namespace Alerting.Cli;

/// <summary>
/// One `alerting ...` verb. Commands are discovered by reflection so each lives in its own file under
/// Commands/ and adding one never touches a shared switch.
/// </summary>
public interface ICliCommand
{
    /// <summary>The words that select this command, e.g. ["check", "rules"].</summary>
    IReadOnlyList<string> Verb { get; }

    string Summary { get; }

    /// <summary>Runs with the arguments after the verb; returns the process exit code.</summary>
    Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct);
}
