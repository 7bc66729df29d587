using System.Text;
using Alerting.Core.Model;

namespace Alerting.Core.Push;

/// <summary>A Pushgateway request the client got wrong; <see cref="StatusCode"/> is what the Pushgateway answers.</summary>
public sealed class PushException : Exception
{
    public PushException(int statusCode, string message)
        : base(message) => StatusCode = statusCode;

    public PushException()
        : this(400, "bad request")
    {
    }

    public PushException(string message)
        : this(400, message)
    {
    }

    public PushException(string message, Exception inner)
        : base(message, inner) => StatusCode = 400;

    public int StatusCode { get; }
}

/// <summary>
/// The labels that identify a push group, from <c>/metrics/job/&lt;job&gt;{/&lt;label&gt;/&lt;value&gt;}</c>.
/// Values may be sent as <c>&lt;label&gt;@base64/&lt;url-safe base64&gt;</c> (padding optional; a lone <c>=</c>
/// is the empty value) so they can hold '/'. Behaviour mirrors Pushgateway 1.5: a later repeat of a label
/// wins, a <c>job</c> label in the tail is ignored, and label order does not matter.
/// </summary>
public sealed record PushGroupingKey
{
    private PushGroupingKey(Labels labels) => Labels = labels;

    /// <summary>All grouping labels including <c>job</c> (empty values are absent, as everywhere else).</summary>
    public Labels Labels { get; }

    public string Job => Labels[PromNames.Job];

    public static PushGroupingKey From(Labels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels[PromNames.Job].Length == 0)
        {
            throw new PushException(400, "job name is required");
        }
        return new PushGroupingKey(labels);
    }

    /// <summary>
    /// Parses a raw (still percent-encoded) request path, with or without the leading <c>/metrics</c>.
    /// Throws <see cref="PushException"/> with the Pushgateway's status and message.
    /// </summary>
    public static PushGroupingKey Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var p = path;
        var query = p.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            p = p[..query];
        }
        if (p.StartsWith("/metrics", StringComparison.Ordinal))
        {
            p = p["/metrics".Length..];
        }
        if (!p.StartsWith("/job", StringComparison.Ordinal))
        {
            throw new PushException(404, "404 page not found");
        }
        p = p["/job".Length..];
        var jobBase64 = false;
        if (p.StartsWith("@base64", StringComparison.Ordinal))
        {
            jobBase64 = true;
            p = p["@base64".Length..];
        }
        if (!p.StartsWith('/'))
        {
            throw new PushException(404, "404 page not found");
        }
        p = p[1..];
        var slash = p.IndexOf('/', StringComparison.Ordinal);
        var rawJob = slash < 0 ? p : p[..slash];
        var rest = slash < 0 ? string.Empty : p[slash..];

        var job = Decode(rawJob);
        if (jobBase64)
        {
            job = DecodeBase64(job) ?? throw new PushException(400, $"invalid base64 encoding in job name \"{job}\": {Base64Problem(job)}");
        }
        if (job.Length == 0)
        {
            throw new PushException(400, "job name is required");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (rest.Length > 0)
        {
            var parts = rest[1..].Split('/');
            if (parts.Length % 2 != 0)
            {
                throw new PushException(400, $"odd number of components in label string \"{rest}\"");
            }
            for (var i = 0; i < parts.Length; i += 2)
            {
                var name = Decode(parts[i]);
                var value = Decode(parts[i + 1]);
                if (name.EndsWith("@base64", StringComparison.Ordinal))
                {
                    name = name[..^"@base64".Length];
                    var decoded = DecodeBase64(value)
                        ?? throw new PushException(400, $"invalid base64 encoding for label {name}=\"{value}\": {Base64Problem(value)}");
                    value = decoded;
                }
                if (!PromNames.IsValidLabelName(name) || name.StartsWith(PromNames.ReservedPrefix, StringComparison.Ordinal))
                {
                    throw new PushException(400, $"improper label name \"{name}\"");
                }
                labels[name] = value;
            }
        }
        labels[PromNames.Job] = job;
        return new PushGroupingKey(Labels.From(labels));
    }

    /// <summary>The canonical path for this key, base64-encoding values that a path segment cannot carry.</summary>
    public string ToPath()
    {
        var sb = new StringBuilder("/metrics");
        Append(sb, PromNames.Job, Job);
        foreach (var l in Labels)
        {
            if (l.Name != PromNames.Job)
            {
                Append(sb, l.Name, l.Value);
            }
        }
        return sb.ToString();

        static void Append(StringBuilder sb, string name, string value)
        {
            if (value.Length == 0 || value.Contains('/', StringComparison.Ordinal))
            {
                var b64 = value.Length == 0 ? "=" : Convert.ToBase64String(Encoding.UTF8.GetBytes(value)).Replace('+', '-').Replace('/', '_');
                sb.Append('/').Append(name).Append("@base64/").Append(b64);
            }
            else
            {
                sb.Append('/').Append(name).Append('/').Append(Uri.EscapeDataString(value));
            }
        }
    }

    public override string ToString() => Labels.ToString();

    private static string Decode(string segment)
    {
        try
        {
            return Uri.UnescapeDataString(segment);
        }
        catch (UriFormatException)
        {
            throw new PushException(400, $"invalid URL escape in \"{segment}\"");
        }
    }

    /// <summary>URL-safe base64 with trailing '=' padding optional, as the Pushgateway decodes it.</summary>
    internal static string? DecodeBase64(string value)
    {
        var trimmed = value.TrimEnd('=');
        if (Base64ProblemIndex(trimmed) >= 0)
        {
            return null;
        }
        var standard = trimmed.Replace('-', '+').Replace('_', '/');
        standard = standard.PadRight(standard.Length + ((4 - (standard.Length % 4)) % 4), '=');
        try
        {
            var bytes = Convert.FromBase64String(standard);
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (FormatException)
        {
            return null;
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static int Base64ProblemIndex(string trimmed)
    {
        for (var i = 0; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return i;
            }
        }
        return trimmed.Length % 4 == 1 ? trimmed.Length - 1 : -1;
    }

    private static string Base64Problem(string value) =>
        $"illegal base64 data at input byte {Math.Max(0, Base64ProblemIndex(value.TrimEnd('=')))}";
}
