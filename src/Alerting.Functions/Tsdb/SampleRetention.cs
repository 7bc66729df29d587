using Alerting.Core.Rules;
using Alerting.Functions.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Tsdb;

/// <summary>
/// How long the store keeps samples: what the loaded rules read (<see cref="RuleRetention"/>), or the
/// configured <c>Alerting:SampleRetention</c> when that is longer. A configured retention shorter than a
/// rule needs is that rule file's load error: the file is not evaluated (its rules would see less history
/// than they ask for) and the error names file, group, rule and range. The other files keep running.
/// </summary>
public sealed partial class SampleRetention(IOptions<AlertingOptions> options, IOptions<TsdbOptions> tsdb, TimeProvider time, ILogger<SampleRetention> logger)
{
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    /// <summary>The files whose rules the configured retention satisfies (all of them when none is configured).</summary>
    public IReadOnlyList<RuleFile> Usable(IReadOnlyList<RuleFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (options.Value.SampleRetention is not { } configured)
        {
            return files;
        }
        var usable = new List<RuleFile>(files.Count);
        foreach (var file in files)
        {
            var unmet = RuleRetention.Unmet([file], configured, time.GetUtcNow());
            if (unmet.Count == 0)
            {
                usable.Add(file);
                continue;
            }
            foreach (var need in unmet)
            {
                var message = need.Describe(configured);
                lock (_reported)
                {
                    if (!_reported.Add(message))
                    {
                        continue;
                    }
                }
                LogUnmet(logger, need.File, message);
            }
        }
        return usable;
    }

    /// <summary>The retention compaction enforces for these rules.</summary>
    public TimeSpan Effective(IReadOnlyList<RuleFile> files)
    {
        var required = RuleRetention.Required(files, time.GetUtcNow(), tsdb.Value.BlockDuration);
        return options.Value.SampleRetention is { } configured && configured > required ? configured : required;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Rule file {File} is not evaluated: {Error}")]
    private static partial void LogUnmet(ILogger logger, string file, string error);
}
