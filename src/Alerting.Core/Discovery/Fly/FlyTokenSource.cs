namespace Alerting.Core.Discovery.Fly;

/// <summary>Where a fly_sd config's API token comes from, in the order they are tried.</summary>
public enum FlyTokenOrigin
{
    /// <summary><c>token</c> written in the fly_sd config.</summary>
    Config,

    /// <summary><c>token_file</c> in the fly_sd config.</summary>
    File,

    /// <summary>The app setting <c>Alerting__FlyApiToken</c> (a Key Vault reference on Azure).</summary>
    Setting,

    /// <summary>The <c>FLY_API_TOKEN</c> environment variable, as flyctl reads it.</summary>
    Environment,
}

/// <summary>The token a fly_sd config would use, and how to tell a user where it came from.</summary>
public sealed record FlyToken(string Value, FlyTokenSource Source);

/// <summary>
/// The one place that decides which API token a fly_sd config uses (the app's discovery and
/// <c>alerting check scrape</c> both ask it), so both name the same source when the token is missing,
/// unreadable or refused.
/// </summary>
public sealed record FlyTokenSource(FlyTokenOrigin Origin, string? FilePath = null)
{
    public const string SettingName = "Alerting__FlyApiToken";
    public const string EnvironmentName = "FLY_API_TOKEN";

    /// <summary>The source in words, for log lines and the CLI.</summary>
    public string Describe() => Origin switch
    {
        FlyTokenOrigin.Config => "the token written in fly_sd_configs",
        FlyTokenOrigin.File => $"token_file {FilePath}",
        FlyTokenOrigin.Setting => $"the {SettingName} setting",
        _ => $"the {EnvironmentName} environment variable",
    };

    /// <summary>What a user does when Fly refuses this token (401): replace it where it came from.</summary>
    public string Remedy(string org) =>
        $"create a read-only token with `fly tokens create readonly -o {org}` and put it in {Describe()}";

    /// <summary>
    /// The token for <paramref name="sd"/>: its <c>token</c>, else its <c>token_file</c> (relative to the config
    /// file's directory, trimmed), else the setting, else the environment variable.
    /// </summary>
    /// <exception cref="FlyTokenException">No source holds a token, or the token file cannot be read or is empty.</exception>
    public static FlyToken Resolve(FlySdConfig sd, string configDirectory, string? setting, string? environment)
    {
        ArgumentNullException.ThrowIfNull(sd);
        if (sd.Token is { Length: > 0 } inline)
        {
            return new FlyToken(inline.Trim(), new FlyTokenSource(FlyTokenOrigin.Config));
        }
        if (sd.TokenFile is { Length: > 0 } file)
        {
            var path = Path.IsPathRooted(file) ? file : Path.Combine(configDirectory, file);
            var source = new FlyTokenSource(FlyTokenOrigin.File, path);
            string text;
            try
            {
                // The token file is the loader's input, like a rule file: read here so the app and the CLI agree.
                text = System.IO.File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new FlyTokenException($"fly_sd_configs for org {sd.Org}: cannot read token_file {path}: {Reason(e)}", source);
            }
            return string.IsNullOrWhiteSpace(text)
                ? throw new FlyTokenException($"fly_sd_configs for org {sd.Org}: token_file {path} is empty; {source.Remedy(sd.Org)}", source)
                : new FlyToken(text.Trim(), source);
        }
        if (!string.IsNullOrWhiteSpace(setting))
        {
            return new FlyToken(setting.Trim(), new FlyTokenSource(FlyTokenOrigin.Setting));
        }
        if (!string.IsNullOrWhiteSpace(environment))
        {
            return new FlyToken(environment.Trim(), new FlyTokenSource(FlyTokenOrigin.Environment));
        }
        throw new FlyTokenException(
            $"fly_sd_configs for org {sd.Org} has no Fly API token: set token or token_file in the config, the {SettingName} setting "
            + $"or {EnvironmentName} (create one with `fly tokens create readonly -o {sd.Org}`)",
            null);
    }

    private static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };
}

/// <summary>A fly_sd config has no usable token; <see cref="Exception.Message"/> says which source and what to do.</summary>
public sealed class FlyTokenException(string message, FlyTokenSource? source) : Exception(message)
{
    /// <summary>The source that failed, or null when none was configured.</summary>
    public FlyTokenSource? TokenSource { get; } = source;
}
