namespace Alerting.Core.Remote.Write;

/// <summary>A remote write request refused as a whole: the HTTP status to answer and a reason a sender's operator can act on.</summary>
public sealed class RemoteWriteException : Exception
{
    public RemoteWriteException(int statusCode, string message)
        : base(message) => StatusCode = statusCode;

    public RemoteWriteException()
        : this(400, "bad remote write request")
    {
    }

    public RemoteWriteException(string message)
        : this(400, message)
    {
    }

    public RemoteWriteException(string message, Exception inner)
        : base(message, inner) => StatusCode = 400;

    public int StatusCode { get; }
}
