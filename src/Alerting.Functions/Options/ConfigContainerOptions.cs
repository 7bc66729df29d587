namespace Alerting.Functions.Options;

/// <summary>
/// The user's files (rule files, alertmanager.yml, templates, escalation and on-call files) read from a blob
/// container instead of the deployment package, so they can be changed without a redeploy. Configuration
/// section <c>Alerting:ConfigContainer</c> (app settings <c>Alerting__ConfigContainer__*</c>).
/// </summary>
public sealed class ConfigContainerOptions
{
    public const string Section = "Alerting:ConfigContainer";

    /// <summary>Blob container in the app's storage account; empty (the default) reads the files from the package only.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>
    /// Local folder that mirrors the container: blob <c>templates/default.tmpl</c> becomes
    /// <c>&lt;LocalPath&gt;/templates/default.tmpl</c>. Point the <c>Alerting__*Path</c> settings into it.
    /// </summary>
    public string LocalPath { get; set; } = Path.Combine(Path.GetTempPath(), "alerting-config");

    /// <summary>How often the container is compared with the local copy; changed blobs are fetched, deleted ones removed.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}
