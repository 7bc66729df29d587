using Alerting.Core.Model;
using Alerting.Core.Notify.Sms;

namespace Alerting.Core.Tests.Notify.Sms;

public sealed class SmsTextTests
{
    [Theory]
    [InlineData(160, true, 1)]
    [InlineData(161, true, 2)]
    [InlineData(306, true, 2)]
    [InlineData(307, true, 3)]
    public void Gsm7_text_takes_160_septets_in_one_segment_and_153_once_split(int length, bool gsm, int segments)
    {
        var m = SmsText.Measure(new string('a', length));
        Assert.Equal((gsm, length, segments), (m.Gsm7, m.Units, m.Segments));
    }

    [Fact]
    public void Extension_characters_count_twice_and_one_emoji_makes_the_whole_text_ucs2()
    {
        Assert.Equal(2, SmsText.Measure("{").Units);
        Assert.Equal(2, SmsText.Measure(new string('€', 81)).Segments); // 162 septets
        var ucs2 = SmsText.Measure(new string('a', 69) + "\U0001F525");
        Assert.False(ucs2.Gsm7);
        Assert.Equal(2, ucs2.Segments); // 71 UTF-16 units
        Assert.Equal(1, SmsText.Measure(new string('ж', 70)).Segments);
        Assert.Equal(2, SmsText.Measure(new string('ж', 71)).Segments);
    }

    [Fact]
    public void A_long_headline_is_shortened_to_the_segment_cap_and_the_link_is_kept_whole()
    {
        var link = "\nAck: https://alerting.example/api/links/acknowledge?token=v1." + new string('x', 120);
        var text = SmsText.Compose(new string('w', 1000), link, 3);

        Assert.EndsWith(link, text, StringComparison.Ordinal);
        Assert.Contains("...", text, StringComparison.Ordinal);
        var m = SmsText.Measure(text);
        Assert.True(m.Gsm7);
        Assert.Equal(3, m.Segments);
        Assert.True(m.Units > 153 * 3 - 5, $"the cap should be used, not wasted ({m.Units} septets)");
    }

    [Fact]
    public void A_headline_whose_symbols_would_force_ucs2_is_sent_in_gsm7_when_that_keeps_more_of_it()
    {
        var headline = "\U0001F525 Café “vyx” down — " + new string('a', 300);
        var text = SmsText.Compose(headline, "\nAck: https://a.example/x", 2);

        var m = SmsText.Measure(text);
        Assert.True(m.Gsm7);
        Assert.Equal(2, m.Segments);
        Assert.StartsWith("? Café \"vyx\" down - aaa", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_page_is_sent_unchanged()
    {
        Assert.Equal("FIRING: x\nAck: y", SmsText.Compose("FIRING: x", "\nAck: y"));
        Assert.Equal("Größe ✓", SmsText.Compose("Größe ✓", string.Empty, 1));
    }

    [Fact]
    public void The_page_names_the_alert_its_severity_and_summary_then_the_link()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(20000);
        var alert = new Alert(
            Labels.From(("alertname", "FlyMachineOomKilled"), ("severity", "critical"), ("app", "vyx-user-2")),
            Labels.AnnotationsFrom([new Label("summary", "vyx-user-2 machine 683713eb7d9008 was OOM-killed")]),
            now.AddMinutes(-5), null, string.Empty);

        var text = SmsPage.Text([alert], now, "https://alerting.example/api/links/acknowledge?token=abc");

        Assert.Equal("FIRING: FlyMachineOomKilled [critical] vyx-user-2 machine 683713eb7d9008 was OOM-killed\nAck: https://alerting.example/api/links/acknowledge?token=abc", text);
    }

    [Theory]
    [InlineData("+447700900123", true)]
    [InlineData("+15551234567", true)]
    [InlineData("447700900123", false)]
    [InlineData("+44-7700-900123", false)]
    [InlineData("+", false)]
    [InlineData("", false)]
    public void Numbers_must_be_E164(string number, bool valid) => Assert.Equal(valid, PhoneNumbers.IsE164(number));
}
