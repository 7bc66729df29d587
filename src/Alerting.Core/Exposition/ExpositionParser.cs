using System.Buffers;
using System.Text;

namespace Alerting.Core.Exposition;

/// <summary>
/// Parses Prometheus text format 0.0.4 and OpenMetrics 1.0 bodies into samples and family metadata.
/// Histogram and summary series come out as plain series with their <c>_bucket</c>/<c>_sum</c>/<c>_count</c>
/// suffixes; OpenMetrics <c>_created</c> series are kept; exemplars are validated and dropped.
/// Any malformed line fails the whole body with <see cref="ExpositionParseException"/>.
/// </summary>
public static class ExpositionParser
{
    public const string PrometheusTextContentType = "text/plain; version=0.0.4; charset=utf-8";
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// <summary>What Prometheus sends in its Accept header: OpenMetrics preferred, text as fallback.</summary>
    public const string AcceptHeader = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>OpenMetrics for <c>application/openmetrics-text</c>; the text format for anything else, as Prometheus falls back.</summary>
    public static ExpositionFormat DetectFormat(string? contentType) =>
        contentType is not null && contentType.TrimStart().StartsWith("application/openmetrics-text", StringComparison.OrdinalIgnoreCase)
            ? ExpositionFormat.OpenMetrics
            : ExpositionFormat.PrometheusText;

    public static ScrapeResult Parse(ReadOnlySpan<byte> body, string? contentType) => Parse(body, DetectFormat(contentType));

    public static ScrapeResult Parse(ReadOnlySpan<byte> body, ExpositionFormat format) => Parse(body, format, rejectDuplicates: true);

    /// <summary>The Pushgateway checks duplicates itself, after grouping labels are applied, with its own error.</summary>
    internal static ScrapeResult Parse(ReadOnlySpan<byte> body, ExpositionFormat format, bool rejectDuplicates)
    {
        var parser = new ExpositionLineParser(format, rejectDuplicates);
        var chars = ArrayPool<char>.Shared.Rent(256);
        try
        {
            var lineNo = 0;
            while (!body.IsEmpty)
            {
                var nl = body.IndexOf((byte)'\n');
                var line = nl < 0 ? body : body[..nl];
                body = nl < 0 ? [] : body[(nl + 1)..];
                lineNo++;
                if (chars.Length < line.Length)
                {
                    ArrayPool<char>.Shared.Return(chars);
                    chars = ArrayPool<char>.Shared.Rent(line.Length);
                }
                int n;
                try
                {
                    n = StrictUtf8.GetChars(line, chars);
                }
                catch (DecoderFallbackException)
                {
                    throw new ExpositionParseException(lineNo, "invalid UTF-8");
                }
                parser.Line(chars.AsSpan(0, n));
            }
            return parser.Finish();
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    public static ScrapeResult Parse(ReadOnlySequence<byte> body, string? contentType)
    {
        if (body.IsSingleSegment)
        {
            return Parse(body.FirstSpan, contentType);
        }
        var length = checked((int)body.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            body.CopyTo(buffer);
            return Parse(buffer.AsSpan(0, length), contentType);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static ScrapeResult Parse(string body, ExpositionFormat format = ExpositionFormat.PrometheusText)
    {
        var parser = new ExpositionLineParser(format);
        var span = body.AsSpan();
        while (!span.IsEmpty)
        {
            var nl = span.IndexOf('\n');
            parser.Line(nl < 0 ? span : span[..nl]);
            span = nl < 0 ? [] : span[(nl + 1)..];
        }
        return parser.Finish();
    }

    /// <summary>Streams lines from <paramref name="reader"/> (e.g. over a response stream) without buffering the body.</summary>
    public static ScrapeResult Parse(TextReader reader, ExpositionFormat format)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var parser = new ExpositionLineParser(format);
        while (reader.ReadLine() is { } line)
        {
            parser.Line(line);
        }
        return parser.Finish();
    }
}
