namespace Alerting.Core.PromQL;

/// <summary>
/// topk/bottomk as Prometheus 2.42 computes them, including which of equal values win: a heap of k
/// (Go's container/heap, lowest on top for topk, highest for bottomk, NaN always on top), filled in
/// input order, its top replaced only by a strictly better value; the survivors then sorted best first
/// by Go's insertion sort (what sort.Sort does for up to 12 elements). A plain stable sort keeps the
/// first of equal values instead, so a dashboard's "top 3" could name a different machine than Prometheus.
/// </summary>
internal static class KHeap
{
    public static List<VSample> Select(IReadOnlyList<VSample> members, long k, bool top)
    {
        var heap = new List<VSample>();
        if (k < 1)
        {
            return heap;
        }
        // vectorByValueHeap.Less (topk) and vectorByReverseValueHeap.Less (bottomk).
        bool Less(int i, int j) => double.IsNaN(heap[i].F) || (top ? heap[i].F < heap[j].F : heap[i].F > heap[j].F);
        foreach (var s in members)
        {
            if (heap.Count < k)
            {
                heap.Add(s);
                Up(heap.Count - 1);
            }
            else if ((top ? heap[0].F < s.F : heap[0].F > s.F) || (double.IsNaN(heap[0].F) && !double.IsNaN(s.F)))
            {
                heap[0] = s;
                if (k > 1 && !Down(0))
                {
                    Up(0);
                }
            }
        }
        // sort.Sort(sort.Reverse(heap)): Less(j, i), by insertion sort.
        for (var i = 1; i < heap.Count; i++)
        {
            for (var j = i; j > 0 && Less(j - 1, j); j--)
            {
                (heap[j], heap[j - 1]) = (heap[j - 1], heap[j]);
            }
        }
        return heap;

        void Up(int j)
        {
            while (j > 0)
            {
                var parent = (j - 1) / 2;
                if (!Less(j, parent))
                {
                    break;
                }
                (heap[parent], heap[j]) = (heap[j], heap[parent]);
                j = parent;
            }
        }

        bool Down(int i0)
        {
            var i = i0;
            while (true)
            {
                var j = (2 * i) + 1;
                if (j >= heap.Count)
                {
                    break;
                }
                if (j + 1 < heap.Count && Less(j + 1, j))
                {
                    j++;
                }
                if (!Less(j, i))
                {
                    break;
                }
                (heap[i], heap[j]) = (heap[j], heap[i]);
                i = j;
            }
            return i > i0;
        }
    }
}
