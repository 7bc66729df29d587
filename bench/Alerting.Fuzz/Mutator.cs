using System.Text;

namespace Alerting.Fuzz;

public enum EditKind
{
    InsertToken,
    DeleteRange,
    DuplicateRange,
    ReplaceByte,
    RepeatToken,
    Truncate,
}

/// <summary>One mutation of an input; positions and sizes are reduced modulo the input, so any values are valid.</summary>
public readonly record struct Edit(EditKind Kind, int Position, int Size, int Token);

/// <summary>
/// Structure-aware mutation of seed inputs: grammar tokens from each target's alphabet are inserted,
/// repeated and spliced, bytes are replaced, ranges deleted or duplicated. Shared by the in-process
/// random driver and the property tests, where FsCheck shrinks a failing list of edits to the fewest.
/// Repetition is bounded: nesting deep enough to overflow the stack is tested on purpose, not by chance.
/// </summary>
public static class Mutator
{
    public const int MaxRepeat = 40;

    public static byte[] Apply(string seed, IEnumerable<Edit> edits, string alphabet)
    {
        ArgumentNullException.ThrowIfNull(edits);
        var tokens = Tokens(alphabet);
        var data = new List<byte>(Encoding.UTF8.GetBytes(seed));
        foreach (var e in edits)
        {
            var pos = data.Count == 0 ? 0 : Math.Abs(e.Position % (data.Count + 1));
            var size = Math.Abs(e.Size % 16) + 1;
            var token = tokens[Math.Abs(e.Token % tokens.Length)];
            switch (e.Kind)
            {
                case EditKind.InsertToken:
                    data.InsertRange(pos, token);
                    break;
                case EditKind.DeleteRange:
                    data.RemoveRange(pos, Math.Min(size, data.Count - pos));
                    break;
                case EditKind.DuplicateRange:
                    data.InsertRange(pos, data.GetRange(pos, Math.Min(size, data.Count - pos)).ToArray());
                    break;
                case EditKind.ReplaceByte:
                    if (pos < data.Count)
                    {
                        data[pos] = (byte)e.Token;
                    }
                    break;
                case EditKind.RepeatToken:
                    for (var i = 0; i < Math.Abs(e.Size % MaxRepeat) + 2; i++)
                    {
                        data.InsertRange(pos, token);
                    }
                    break;
                default:
                    data.RemoveRange(pos, data.Count - pos);
                    break;
            }
        }
        return [.. data];
    }

    /// <summary>Random edits for the in-process driver.</summary>
    public static Edit[] RandomEdits(Random random, int max)
    {
        ArgumentNullException.ThrowIfNull(random);
        var edits = new Edit[random.Next(1, max + 1)];
        for (var i = 0; i < edits.Length; i++)
        {
            edits[i] = new Edit((EditKind)random.Next(6), random.Next(), random.Next(), random.Next());
        }
        return edits;
    }

    /// <summary>The alphabet's words, each of its characters, and a few bytes that break encodings.</summary>
    private static byte[][] Tokens(string alphabet) =>
        alphabet.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Concat(alphabet.Select(c => c.ToString()))
            .Select(Encoding.UTF8.GetBytes)
            .Concat([[0xff], [0xc3], [0x00], [0xe2, 0x80, 0xa8]])
            .ToArray();
}
