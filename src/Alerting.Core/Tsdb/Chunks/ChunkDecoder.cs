using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;

namespace Alerting.Core.Tsdb.Chunks;

/// <summary>Decodes a chunk of any encoding the store writes into a series' float and histogram samples.</summary>
public static class ChunkDecoder
{
    /// <summary>
    /// Appends the samples in [<paramref name="minTime"/>, <paramref name="maxTime"/>]: floats (and histogram
    /// stale markers) to <paramref name="floats"/>, native histograms to <paramref name="histograms"/>.
    /// Throws <see cref="ChunkFormatException"/> for damaged data or an encoding no reader knows.
    /// </summary>
    public static void Decode(ChunkEncoding encoding, ReadOnlySpan<byte> data, long minTime, long maxTime, List<Sample> floats, List<HistogramSample> histograms)
    {
        switch (encoding)
        {
            case ChunkEncoding.Xor:
                XorChunk.Decode(data, minTime, maxTime, floats);
                break;
            case ChunkEncoding.Histogram or ChunkEncoding.FloatHistogram:
                HistogramChunk.Decode(encoding, data, minTime, maxTime, histograms, floats);
                break;
            default:
                throw new ChunkFormatException($"unknown chunk encoding {(byte)encoding}", 0);
        }
    }
}
