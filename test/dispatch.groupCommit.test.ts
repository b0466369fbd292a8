import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCommit, type GroupCommitLimits, type Settled } from '../src/core/dispatch/groupCommit.js';

/** A store whose batches the test answers by hand, in the order they were started. */
function handStore() {
  const batches: Array<{ items: string[]; answer: (r: Array<Settled<string>>) => void; fail: (e: unknown) => void }> = [];
  const store = (items: string[]) => new Promise<Array<Settled<string>>>((answer, fail) => void batches.push({ items, answer, fail }));
  const echo = (i: number) => batches[i]!.answer(batches[i]!.items.map((value) => ({ ok: true, value: `stored ${value}` })));
  return { batches, store, echo };
}

const limits = (l: Partial<GroupCommitLimits<string>> = {}): GroupCommitLimits<string> => ({ inFlight: 1, stalledAfterMs: 1_000, batch: 100, weight: Infinity, weightOf: (x) => x.length, ...l });

describe('group commit: calls that arrive while a batch is stored go together in the next', () => {
  it('a call with nothing in flight is stored at once, alone (a quiet gateway adds no wait)', async () => {
    const h = handStore();
    const g = new GroupCommit(h.store, limits());
    const a = g.add('a');
    expect(h.batches.map((b) => b.items)).toEqual([['a']]);
    h.echo(0);
    await expect(a).resolves.toBe('stored a');
  });

  it('calls made while a batch is being stored wait, then go together, each answered with its own result', async () => {
    const h = handStore();
    const g = new GroupCommit(h.store, limits());
    const first = g.add('a');
    const rest = ['b', 'c', 'd'].map((x) => g.add(x));
    expect(h.batches.map((b) => b.items)).toEqual([['a']]);
    h.echo(0);
    await first;
    expect(h.batches.map((b) => b.items)).toEqual([['a'], ['b', 'c', 'd']]);
    h.echo(1);
    await expect(Promise.all(rest)).resolves.toEqual(['stored b', 'stored c', 'stored d']);
  });

  it('a batch holds at most its limit; the rest wait for the next', async () => {
    const h = handStore();
    const g = new GroupCommit(h.store, limits({ batch: 2 }));
    const all = ['a', 'b', 'c', 'd'].map((x) => g.add(x));
    h.echo(0);
    await all[0];
    h.echo(1);
    await all[2];
    h.echo(2);
    await expect(Promise.all(all)).resolves.toEqual(['stored a', 'stored b', 'stored c', 'stored d']);
    expect(h.batches.map((b) => b.items)).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('with two in flight, a second call goes at once and only a third waits', () => {
    const h = handStore();
    const g = new GroupCommit(h.store, limits({ inFlight: 2 }));
    for (const x of ['a', 'b', 'c']) void g.add(x);
    expect(h.batches.map((b) => b.items)).toEqual([['a'], ['b']]);
  });

  it("one call's error is its own: the others of its batch get their results", async () => {
    const h = handStore();
    const g = new GroupCommit(h.store, limits());
    const first = g.add('x');
    const calls = ['a', 'b'].map((x) => g.add(x));
    h.echo(0);
    await first;
    h.batches[1]!.answer([{ ok: false, error: new Error('a refused') }, { ok: true, value: 'stored b' }]);
    await expect(calls[0]).rejects.toThrow('a refused');
    await expect(calls[1]).resolves.toBe('stored b');
  });

  it('a store that fails fails the calls of its batch, and the next batch is stored', async () => {
    const h = handStore();
    const g = new GroupCommit(h.store, limits());
    const first = g.add('a');
    const second = g.add('b');
    h.batches[0]!.fail(new Error('database away'));
    await expect(first).rejects.toThrow('database away');
    expect(h.batches.map((b) => b.items)).toEqual([['a'], ['b']]);
    h.echo(1);
    await expect(second).resolves.toBe('stored b');
  });

  it('a store that answers fewer calls than it was given fails the ones left unanswered, never leaves them waiting', async () => {
    const h = handStore();
    const g = new GroupCommit(h.store, limits());
    const calls = [g.add('a')];
    h.batches[0]!.answer([]);
    await expect(calls[0]).rejects.toThrow('fewer calls');
  });

  it('a batch also holds at most its weight; a call heavier than that goes alone', async () => {
    const h = handStore();
    const g = new GroupCommit(h.store, limits({ weight: 6 }));
    const all = ['x', 'aaa', 'bbb', 'cccccccc', 'dd'].map((v) => g.add(v));
    for (let i = 0; i < 4; i++) {
      h.echo(i);
      await all[[0, 2, 3, 4][i]!];
    }
    expect(h.batches.map((b) => b.items)).toEqual([['x'], ['aaa', 'bbb'], ['cccccccc'], ['dd']]);
  });

  it('a store that throws before it returns a promise fails its batch, and the next batch is stored', async () => {
    let calls = 0;
    const g = new GroupCommit<string, string>(
      (items) => {
        if (calls++ === 0) throw new Error('thrown at once');
        return Promise.resolve(items.map((value) => ({ ok: true as const, value })));
      },
      limits(),
    );
    await expect(g.add('a')).rejects.toThrow('thrown at once');
    await expect(g.add('b')).resolves.toBe('b');
  });

  describe('a batch that stalls', () => {
    afterEach(() => vi.useRealTimers());

    it('stops holding the next one back once it has been in flight for stalledAfterMs; its own callers still get its answer', async () => {
      vi.useFakeTimers();
      const h = handStore();
      const g = new GroupCommit(h.store, limits({ stalledAfterMs: 100 }));
      const stuck = g.add('a');
      const next = [g.add('b'), g.add('c')];
      vi.advanceTimersByTime(99);
      expect(h.batches.map((b) => b.items)).toEqual([['a']]);
      vi.advanceTimersByTime(1);
      expect(h.batches.map((b) => b.items)).toEqual([['a'], ['b', 'c']]);
      h.echo(1);
      await expect(Promise.all(next)).resolves.toEqual(['stored b', 'stored c']);
      h.echo(0);
      await expect(stuck).resolves.toBe('stored a');
    });

    it('a stalled batch that ends is not counted out twice: the limit holds for what comes after', async () => {
      vi.useFakeTimers();
      const h = handStore();
      const g = new GroupCommit(h.store, limits({ stalledAfterMs: 100 }));
      const first = g.add('a');
      vi.advanceTimersByTime(100);
      h.echo(0);
      await first;
      const later = [g.add('b'), g.add('c')];
      expect(h.batches.map((b) => b.items)).toEqual([['a'], ['b']]);
      h.echo(1);
      await later[0];
      h.echo(2);
      await expect(Promise.all(later)).resolves.toEqual(['stored b', 'stored c']);
    });
  });
});
