using System.Collections.Concurrent;
using Alerting.Functions.Pipeline;

namespace Alerting.Functions.Tests.Pipeline;

/// <summary>
/// Items handed in while a commit is on its way wait for it and then go together; each caller hears back
/// only when the batch holding its item is committed, and hears of its failure. Commits are held open by
/// gates the test releases, so nothing depends on timing.
/// </summary>
public sealed class GroupCommitTests
{
    /// <summary>A commit that records each batch and finishes only when the test opens its gate.</summary>
    private sealed class GatedCommit
    {
        private readonly ConcurrentQueue<(IReadOnlyList<string> Items, TaskCompletionSource Gate)> _calls = new();
        private readonly SemaphoreSlim _started = new(0);

        public Func<IReadOnlyList<string>, Task> Commit => items =>
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _calls.Enqueue((items, gate));
            _started.Release();
            return gate.Task;
        };

        public IReadOnlyList<IReadOnlyList<string>> Batches => _calls.Select(c => c.Items).ToArray();

        /// <summary>Waits until the <paramref name="n"/>th commit (1-based) has started and returns its gate.</summary>
        public async Task<TaskCompletionSource> StartedAsync(int n)
        {
            while (_calls.Count < n)
            {
                Assert.True(await _started.WaitAsync(TimeSpan.FromSeconds(10)), $"commit {n} did not start");
            }
            return _calls.ElementAt(n - 1).Gate;
        }
    }

    [Fact]
    public async Task Items_submitted_while_a_commit_is_on_its_way_go_together_in_the_next_one()
    {
        var commit = new GatedCommit();
        var group = new GroupCommit<string>(commit.Commit, slots: 1, maxBatch: 100, sizeOf: _ => 1);

        var first = group.SubmitAsync("a");
        var firstGate = await commit.StartedAsync(1);
        var waiting = new[] { group.SubmitAsync("b"), group.SubmitAsync("c"), group.SubmitAsync("d") };

        Assert.DoesNotContain(waiting, w => w.IsCompleted);
        firstGate.SetResult();
        await first;
        var secondGate = await commit.StartedAsync(2);
        // Not answered before their own commit finished.
        Assert.DoesNotContain(waiting, w => w.IsCompleted);
        secondGate.SetResult();
        await Task.WhenAll(waiting);

        Assert.Equal([["a"], ["b", "c", "d"]], commit.Batches);
    }

    [Fact]
    public async Task A_failed_commit_fails_every_caller_in_it_and_the_next_batch_still_commits()
    {
        var commit = new GatedCommit();
        var group = new GroupCommit<string>(commit.Commit, slots: 1, maxBatch: 100, sizeOf: _ => 1);

        var first = group.SubmitAsync("a");
        var firstGate = await commit.StartedAsync(1);
        var second = group.SubmitAsync("b");
        var third = group.SubmitAsync("c");
        firstGate.SetResult();
        await first;
        (await commit.StartedAsync(2)).SetException(new InvalidOperationException("storage said no"));

        Assert.Equal("storage said no", (await Assert.ThrowsAsync<InvalidOperationException>(() => second)).Message);
        Assert.Equal("storage said no", (await Assert.ThrowsAsync<InvalidOperationException>(() => third)).Message);
        var after = group.SubmitAsync("d");
        (await commit.StartedAsync(3)).SetResult();
        await after;
        Assert.Equal(["d"], commit.Batches[2]);
    }

    [Fact]
    public async Task A_full_batch_is_committed_without_waiting_for_the_busy_slot_and_batches_never_exceed_the_limit()
    {
        var commit = new GatedCommit();
        var group = new GroupCommit<string>(commit.Commit, slots: 1, maxBatch: 10, sizeOf: s => s.Length);

        var first = group.SubmitAsync("x");
        var firstGate = await commit.StartedAsync(1);
        // 4 + 4 + 4 > 10: the third makes a full batch's worth waiting.
        var full = new[] { group.SubmitAsync("aaaa"), group.SubmitAsync("bbbb"), group.SubmitAsync("cccc") };
        var secondGate = await commit.StartedAsync(2);

        Assert.Equal(["aaaa", "bbbb"], commit.Batches[1]);
        Assert.False(first.IsCompleted);
        secondGate.SetResult();
        await Task.WhenAll(full[0], full[1]);
        firstGate.SetResult();
        (await commit.StartedAsync(3)).SetResult();
        await Task.WhenAll(full);
        await first;
        Assert.Equal(["cccc"], commit.Batches[2]);
        Assert.All(commit.Batches, b => Assert.InRange(b.Sum(s => s.Length), 1, 10));
    }

    [Fact]
    public async Task A_caller_that_stops_waiting_leaves_the_others_batch_to_commit()
    {
        var commit = new GatedCommit();
        var group = new GroupCommit<string>(commit.Commit, slots: 1, maxBatch: 100, sizeOf: _ => 1);
        var first = group.SubmitAsync("a");
        var firstGate = await commit.StartedAsync(1);
        using var gone = new CancellationTokenSource();

        var leaving = group.SubmitAsync("b", gone.Token);
        var staying = group.SubmitAsync("c");
        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        firstGate.SetResult();
        (await commit.StartedAsync(2)).SetResult();
        await Task.WhenAll(first, staying);
        Assert.Equal(["b", "c"], commit.Batches[1]);
    }
}
