using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace Alerting.Integration.Tests.Pipeline;

/// <summary>A broken rule file is reported and skipped; the other files keep evaluating.</summary>
public sealed class ConfigProviderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rules-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ConfigProvider Provider() => new(
        Microsoft.Extensions.Options.Options.Create(new AlertingOptions { RuleFiles = Path.Combine(_dir, "*.rules.yml"), ConfigCheckInterval = TimeSpan.Zero }),
        NullLogger<ConfigProvider>.Instance);

    [Fact]
    public void A_broken_rule_file_does_not_stop_the_others()
    {
        File.WriteAllText(Path.Combine(_dir, "a.rules.yml"), "groups:\n  - name: good\n    rules:\n      - alert: Up\n        expr: up == 0\n");
        File.WriteAllText(Path.Combine(_dir, "b.rules.yml"), "groups:\n  - name: bad\n    rules:\n      - alert: Broken\n        expr: 'up +'\n");

        var files = Provider().RuleFiles();

        Assert.Equal("good", Assert.Single(Assert.Single(files).Groups).Name);
    }

    [Fact]
    public void A_file_that_breaks_on_reload_keeps_its_last_good_version()
    {
        var path = Path.Combine(_dir, "a.rules.yml");
        File.WriteAllText(path, "groups:\n  - name: good\n    rules:\n      - alert: Up\n        expr: up == 0\n");
        var provider = Provider();
        Assert.Single(provider.RuleFiles());

        File.WriteAllText(path, "groups:\n  - name: good\n    rules:\n      - alert: Up\n        expr: 'up =='\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));

        var files = provider.RuleFiles();
        Assert.Equal("up == 0", Assert.Single(Assert.Single(Assert.Single(files).Groups).Rules).ExprText.Trim());
    }
}
