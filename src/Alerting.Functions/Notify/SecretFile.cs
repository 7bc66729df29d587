namespace Alerting.Functions.Notify;

/// <summary>Alertmanager's <c>*_file</c> settings: the secret is the file's content without trailing newline.</summary>
internal static class SecretFile
{
    public static string? Read(string? path) =>
        string.IsNullOrEmpty(path) ? null : File.ReadAllText(path).TrimEnd('\r', '\n');
}
