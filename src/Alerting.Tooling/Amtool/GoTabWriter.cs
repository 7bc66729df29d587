using System.Text;

namespace Alerting.Tooling.Amtool;

/// <summary>
/// Go's <c>text/tabwriter</c> with the settings amtool's tables use (minwidth 0, padding 2, padded with
/// spaces, no flags): tab-terminated cells are aligned in columns whose width is the widest cell in the
/// column block plus the padding. Column blocks, and the flush after a line without tabs, follow Go,
/// so a value containing a newline splits the table exactly as amtool's does.
/// </summary>
/// <remarks>Hand-written: the column-block rules of Go's tabwriter are what make the bytes match.</remarks>
public sealed class GoTabWriter(TextWriter output, int minWidth = 0, int padding = 2)
{
    private readonly List<List<Cell>> _lines = [[]];
    private readonly StringBuilder _cell = new();
    private readonly List<int> _widths = [];

    private readonly record struct Cell(string Text, int Width);

    public void Write(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var ch in text)
        {
            if (ch is '\t' or '\v' or '\n' or '\f')
            {
                var cells = TerminateCell();
                if (ch is '\n' or '\f')
                {
                    _lines.Add([]);
                    // A line with a single cell cannot affect the columns below it: Go flushes here.
                    if (ch == '\f' || cells == 1)
                    {
                        Flush();
                    }
                }
            }
            else
            {
                _cell.Append(ch);
            }
        }
    }

    /// <summary>Formats and writes everything buffered (Go's <c>Flush</c>).</summary>
    public void Flush()
    {
        if (_cell.Length > 0)
        {
            TerminateCell();
        }
        Format(0, _lines.Count);
        _lines.Clear();
        _lines.Add([]);
        _widths.Clear();
    }

    private int TerminateCell()
    {
        var text = _cell.ToString();
        _cell.Clear();
        var line = _lines[^1];
        line.Add(new Cell(text, RuneCount(text)));
        return line.Count;
    }

    private static int RuneCount(string s)
    {
        var n = 0;
        foreach (var _ in s.EnumerateRunes())
        {
            n++;
        }
        return n;
    }

    private void Format(int line0, int line1)
    {
        var column = _widths.Count;
        for (var current = line0; current < line1; current++)
        {
            if (column >= _lines[current].Count - 1)
            {
                continue;
            }
            // A cell in this column: the lines before it are complete, the column block starts here.
            WriteLines(line0, current);
            line0 = current;
            var width = minWidth;
            for (; current < line1; current++)
            {
                var line = _lines[current];
                if (column >= line.Count - 1)
                {
                    break;
                }
                width = Math.Max(width, line[column].Width + padding);
            }
            _widths.Add(width);
            Format(line0, current);
            _widths.RemoveAt(_widths.Count - 1);
            line0 = current;
        }
        WriteLines(line0, line1);
    }

    private void WriteLines(int line0, int line1)
    {
        for (var i = line0; i < line1; i++)
        {
            var line = _lines[i];
            for (var j = 0; j < line.Count; j++)
            {
                var c = line[j];
                output.Write(c.Text);
                if (j < _widths.Count)
                {
                    output.Write(new string(' ', _widths[j] - c.Width));
                }
            }
            if (i + 1 < _lines.Count)
            {
                output.Write('\n');
            }
        }
    }
}
