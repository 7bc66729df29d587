namespace Alerting.Functions.Storage;

/// <summary>Azure Tables' rules for partition and row keys, so a key that came from a request is checked before use.</summary>
public static class TableKeys
{
    /// <summary>
    /// False for keys Azure Tables refuses (empty, over 512 characters, or containing '/', '\', '#', '?'
    /// or control characters): such a key cannot name a stored row, and using it would be a 400 from storage.
    /// </summary>
    public static bool IsValid(string? key) =>
        key is { Length: > 0 and <= 512 } && key.IndexOfAny(['/', '\\', '#', '?']) < 0 && !key.Any(char.IsControl);
}
