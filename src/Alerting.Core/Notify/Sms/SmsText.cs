using System.Globalization;
using System.Text;

namespace Alerting.Core.Notify.Sms;

/// <summary>How a text travels as SMS: the alphabet it needs and how many segments it takes.</summary>
public readonly record struct SmsLength(bool Gsm7, int Units, int Segments);

/// <summary>
/// SMS length rules (3GPP TS 23.038 / 23.040). A text in the GSM 7-bit default alphabet takes 160 septets
/// in one segment, or 153 per segment once split (the user data header takes the rest); characters of the
/// extension table (<c>{ } [ ] ~ \ | ^ €</c> and form feed) take two septets. Any other character makes the
/// whole text UCS-2: 70 UTF-16 units in one segment, 67 per segment once split. Carriers bill and deliver
/// per segment, so pages are capped at a few segments and shortened to fit.
/// </summary>
public static class SmsText
{
    public const int DefaultMaxSegments = 3;

    private const string Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    private const string Extension = "\f^{}\\[~]|€";

    public static bool IsGsm7(char c) => Basic.Contains(c, StringComparison.Ordinal) || Extension.Contains(c, StringComparison.Ordinal);

    public static SmsLength Measure(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.All(IsGsm7))
        {
            var septets = text.Sum(c => Extension.Contains(c, StringComparison.Ordinal) ? 2 : 1);
            return new SmsLength(true, septets, Segments(septets, 160, 153));
        }
        return new SmsLength(false, text.Length, Segments(text.Length, 70, 67));
    }

    private static int Segments(int units, int single, int multi) =>
        units == 0 ? 1 : units <= single ? 1 : (units + multi - 1) / multi;

    /// <summary>
    /// <paramref name="headline"/>, then <paramref name="suffix"/> (the acknowledge link) kept whole, within
    /// <paramref name="maxSegments"/>. A headline that does not fit is cut at a character boundary and
    /// ends with "..."; when it is the headline's non-GSM characters that push the text into UCS-2 (less than
    /// half the room), they are replaced with '?' first so more of it survives.
    /// </summary>
    public static string Compose(string headline, string suffix, int maxSegments = DefaultMaxSegments)
    {
        ArgumentNullException.ThrowIfNull(headline);
        ArgumentNullException.ThrowIfNull(suffix);
        if (maxSegments < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSegments), "an SMS needs at least one segment");
        }
        if (Measure(headline + suffix).Segments <= maxSegments)
        {
            return headline + suffix;
        }
        var gsmHeadline = ToGsm7(headline);
        var fitted = Fit(headline, suffix, maxSegments);
        var fittedGsm = Fit(gsmHeadline, suffix, maxSegments);
        return fittedGsm.Length > fitted.Length ? fittedGsm : fitted;
    }

    /// <summary>The longest prefix of the headline (in whole text elements) that fits with the suffix.</summary>
    private static string Fit(string headline, string suffix, int maxSegments)
    {
        var boundaries = StringInfo.ParseCombiningCharacters(headline);
        int lo = 0, hi = boundaries.Length;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (Measure(Cut(headline, boundaries, mid) + suffix).Segments <= maxSegments)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        var result = Cut(headline, boundaries, lo) + suffix;
        // Even an empty headline may not fit a long suffix in UCS-2: then the suffix alone is sent.
        return Measure(result).Segments <= maxSegments || lo > 0 ? result : suffix;
    }

    private static string Cut(string headline, int[] boundaries, int elements) =>
        elements >= boundaries.Length ? headline : elements == 0 ? string.Empty : headline[..boundaries[elements]].TrimEnd() + "...";

    /// <summary>The text in the GSM 7-bit alphabet: accents dropped where that makes a GSM character, anything else '?'.</summary>
    public static string ToGsm7(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var b = new StringBuilder(text.Length);
        foreach (var element in EnumerateElements(text))
        {
            if (element.Length == 1 && IsGsm7(element[0]))
            {
                b.Append(element[0]);
                continue;
            }
            var bare = new string(element.Normalize(NormalizationForm.FormD)
                .Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark).ToArray());
            b.Append(bare.Length == 1 && IsGsm7(bare[0]) ? bare[0] : element switch
            {
                "\u2018" or "\u2019" => '\'',
                "\u201C" or "\u201D" => '"',
                "\u2013" or "\u2014" => '-',
                "\t" => ' ',
                _ => '?',
            });
        }
        return b.ToString();
    }

    private static IEnumerable<string> EnumerateElements(string text)
    {
        var e = StringInfo.GetTextElementEnumerator(text);
        while (e.MoveNext())
        {
            yield return e.GetTextElement();
        }
    }
}
