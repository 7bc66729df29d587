using Alerting.Core.Config;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Tooling.Amtool;
using FsCheck;
using FsCheck.Fluent;

namespace Alerting.Core.Tests.Alertmanager;

/// <summary>
/// The Go pieces behind amtool's output (tabwriter, sort, JSON, time and duration parsing) and the
/// http config file amtool reads. Whole outputs are compared with the real amtool in the integration
/// tests (AmtoolParityTests); these pin the corner cases.
/// </summary>
public sealed class AmtoolFormatTests
{
    private static string Tab(string text)
    {
        using var sw = new StringWriter();
        var w = new GoTabWriter(sw);
        w.Write(text);
        w.Flush();
        return sw.ToString();
    }

    [Fact]
    public void Tabwriter_pads_every_terminated_cell_to_its_column_width_plus_two()
    {
        Assert.Equal("ID    Name  \nlong  x     \n", Tab("ID\tName\t\nlong\tx\t\n"));
        // Widths count characters (runes), not UTF-16 units or bytes.
        Assert.Equal("zürich  a  \n😀       b  \n", Tab("zürich\ta\t\n😀\tb\t\n"));
    }

    [Fact]
    public void Tabwriter_splits_a_cell_with_a_newline_into_column_blocks_as_go_does()
    {
        // The first column's block spans all three lines; the second is cut by the line with only two cells.
        Assert.Equal("A       B  C  \nx       first\nsecond  z  \n", Tab("A\tB\tC\t\nx\tfirst\nsecond\tz\t\n"));
    }

    [Fact]
    public void Go_sort_is_insertion_sort_for_twelve_items_and_keeps_their_order_of_ties()
    {
        var items = Enumerable.Range(0, 12).Select(i => (Key: i % 3, Id: i)).ToList();
        GoSort.Sort(items, (a, b) => a.Key < b.Key);
        Assert.Equal([0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11], items.Select(i => i.Id));
    }

    [Fact]
    public void Go_sort_sorts_long_and_adversarial_inputs()
    {
        foreach (var n in new[] { 13, 50, 51, 200, 1000 })
        {
            foreach (var data in new[]
            {
                Enumerable.Range(0, n).Reverse().ToList(),
                Enumerable.Range(0, n).ToList(),
                Enumerable.Range(0, n).Select(i => i % 2 == 0 ? i : n - i).ToList(),
            })
            {
                GoSort.Sort(data, (a, b) => a < b);
                Assert.Equal(data.Order(), data);
            }
        }
    }

    [Fact]
    public void Go_sort_sorts_any_list_with_many_ties() =>
        // Small values make ties common; FsCheck's lists reach past Go's insertion-sort cutoff of 12.
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(300).WithEndSize(1000).WithQuietOnSuccess(true), Prop.ForAll(
            Arb.From(Gen.ArrayOf(Gen.Choose(0, 4)), ArbMap.Default.ArbFor<int[]>().Shrinker),
            data =>
            {
                var sorted = data.ToList();
                GoSort.Sort(sorted, (a, b) => a < b);
                Assert.Equal(data.Order(), sorted);
            }));

    [Fact]
    public void Go_json_escapes_html_and_control_characters_as_encoding_json_does()
    {
        var sb = new StringBuilder();
        GoJson.WriteString(sb, "<b>&\"\\\n\t\u0001\u2028é😀");
        Assert.Equal("\"\\u003cb\\u003e\\u0026\\\"\\\\\\n\\t\\u0001\\u2028é😀\"", sb.ToString());
    }

    [Fact]
    public void Json_output_orders_fields_as_the_go_models_and_sorts_label_maps()
    {
        var silence = JsonNode.Parse("""
            {"startsAt":"2025-01-01T10:00:00Z","matchers":[{"value":"x","name":"a","isRegex":false}],"id":"s1","comment":"c","createdBy":"me","endsAt":"2025-01-01T11:00:00.123456Z","updatedAt":"2025-01-01T10:00:00Z","status":{"state":"active"}}
            """);
        using var sw = new StringWriter();
        new AmtoolOutput("json").WriteSilences([silence], sw);
        Assert.Equal("""[{"id":"s1","status":{"state":"active"},"updatedAt":"2025-01-01T10:00:00.000Z","comment":"c","createdBy":"me","endsAt":"2025-01-01T11:00:00.123Z","matchers":[{"isRegex":false,"name":"a","value":"x"}],"startsAt":"2025-01-01T10:00:00.000Z"}]""" + "\n", sw.ToString());

        var alert = JsonNode.Parse("""
            {"labels":{"z":"1","alertname":"A"},"status":{"state":"active","silencedBy":[],"inhibitedBy":[]},"fingerprint":"f","receivers":[{"name":"r"}],"annotations":{},"startsAt":"2025-01-01T10:00:00Z","endsAt":"2025-01-01T10:05:00Z","updatedAt":"2025-01-01T10:00:00Z","generatorURL":""}
            """);
        using var aw = new StringWriter();
        new AmtoolOutput("json").WriteAlerts([alert], aw);
        Assert.Equal("""[{"annotations":{},"endsAt":"2025-01-01T10:05:00.000Z","fingerprint":"f","receivers":[{"name":"r"}],"startsAt":"2025-01-01T10:00:00.000Z","status":{"inhibitedBy":[],"silencedBy":[],"state":"active"},"updatedAt":"2025-01-01T10:00:00.000Z","labels":{"alertname":"A","z":"1"}}]""" + "\n", aw.ToString());
    }

    [Theory]
    [InlineData("2025-03-01T10:00:00Z", "2025-03-01T10:00:00.0000000+00:00")]
    [InlineData("2025-03-01T10:00:00.5+02:00", "2025-03-01T10:00:00.5000000+02:00")]
    [InlineData("2025-03-01T9:00:00Z", "2025-03-01T09:00:00.0000000+00:00")]
    public void Rfc3339_parses_what_go_parses(string text, string expected) =>
        Assert.Equal(expected, AmtoolSession.ParseRfc3339(text).ToString("o", System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData("tomorrow", "parsing time \"tomorrow\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"tomorrow\" as \"2006\"")]
    [InlineData("2025/03/01", "parsing time \"2025/03/01\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"/03/01\" as \"-\"")]
    [InlineData("2025-13-01T00:00:00Z", "parsing time \"2025-13-01T00:00:00Z\": month out of range")]
    [InlineData("2025-02-30T00:00:00Z", "parsing time \"2025-02-30T00:00:00Z\": day out of range")]
    [InlineData("2025-03-01T00:00:00", "parsing time \"2025-03-01T00:00:00\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"Z07:00\"")]
    [InlineData("2025-03-01T00:00:00Zjunk", "parsing time \"2025-03-01T00:00:00Zjunk\": extra text: \"junk\"")]
    public void Rfc3339_errors_are_worded_as_go_words_them(string text, string message) =>
        Assert.Equal(message, Assert.Throws<AmtoolException>(() => AmtoolSession.ParseRfc3339(text)).Message);

    [Theory]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5h", 5400)]
    [InlineData("90s", 90)]
    [InlineData("0", 0)]
    [InlineData("300ms", 0.3)]
    public void Within_durations_are_gos(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), AmtoolSession.ParseGoDuration(text));

    [Theory]
    [InlineData("1d", "time: unknown unit \"d\" in duration \"1d\"")]
    [InlineData("10", "time: missing unit in duration \"10\"")]
    [InlineData("h", "time: invalid duration \"h\"")]
    public void Bad_durations_are_refused_with_gos_message(string text, string message) =>
        Assert.Equal(message, Assert.Throws<AmtoolException>(() => AmtoolSession.ParseGoDuration(text)).Message);

    [Fact]
    public void An_http_config_file_gives_the_credentials_amtool_sends()
    {
        var bearer = AlertmanagerTestData.WriteTemp("authorization:\n  credentials: tok\n", "http.yml");
        var config = HttpClientConfigLoader.LoadFile(bearer);
        Assert.Equal(("Bearer", "tok"), (config.Authorization?.Type, config.Authorization?.Credentials));

        var basic = AlertmanagerTestData.WriteTemp("basic_auth:\n  username: u\n  password_file: secret.txt\n", "http.yml");
        Assert.Equal(Path.Combine(Path.GetDirectoryName(basic)!, "secret.txt"), HttpClientConfigLoader.LoadFile(basic).BasicAuth?.PasswordFile);

        var both = AlertmanagerTestData.WriteTemp("basic_auth: {username: u, password: p}\nbearer_token: t\n", "http.yml");
        var e = Assert.Throws<ConfigException>(() => HttpClientConfigLoader.LoadFile(both));
        Assert.Equal("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured", e.Detail);
    }
}
