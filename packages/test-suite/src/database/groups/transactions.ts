/**
 * Transactions: `transaction(scope, fn)` applies the writes `fn` makes all together or not at
 * all. `fn` is synchronous here and awaits none of its writes: that is what every backend
 * shares (LMDB runs `fn` inside its write transaction; Redis queues the writes and sends them
 * as one script when `fn` returns). Writes to another scope are `supports.crossScopeTransactions`.
 */
import { MAX_KEY_BYTES } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { collect, rejectsWith, type ScopeRun, type SuiteContext } from '../context.js';

export function transactionsGroup(ctx: SuiteContext, run: ScopeRun): void {
  const [neighbour] = run.neighbours;
  const setup = async () => {
    const whole = ctx.stringDb();
    const at = run.at(whole);
    await at.put('keep', 'kept');
    // Writes issued after every other have applied them all (call order): then a read sees any stray write.
    const settled = () => Promise.all([at.remove('barrier'), whole.remove(neighbour, 'barrier')]);
    return { whole, at, settled };
  };

  describe('transactions', () => {
    it("applies the callback's writes together and resolves with its result", async () => {
      const { at } = await setup();
      const result = await at.transaction(() => {
        at.put('a', 1);
        at.putSync('b', 2);
        at.remove('keep');
        return 'done';
      });
      expect(result).toBe('done');
      expect(await collect(at.getRange())).toEqual([
        { key: 'a', value: 1 },
        { key: 'b', value: 2 },
      ]);
    });

    it("a callback that returns a write's promise (`() => at.put(…)`) commits and resolves with the write's result", async () => {
      const { at } = await setup();
      expect(await at.transaction(() => at.put('a', 1))).toBe(true);
      expect(await at.transaction(() => at.remove('keep'))).toBe(true);
      expect(await at.transaction(() => Promise.all([at.put('b', 2), at.remove('nothing')]))).toEqual([true, false]);
      // The scope keeps working after it.
      await at.put('c', 3);
      expect(await collect(at.getKeys())).toEqual(['a', 'b', 'c']);
    });

    it('applies a clear and the writes after it in their order', async () => {
      const { at } = await setup();
      await at.transaction(() => {
        at.put('a', 1);
        at.clearAsync();
        at.put('b', 2);
      });
      expect(await collect(at.getKeys())).toEqual(['b']);
    });

    it('a callback that throws applies none of its writes; the transaction rejects with its error', async () => {
      const { at, settled } = await setup();
      const mine = new Error('mine');
      await expect(
        at.transaction(() => {
          at.put('a', 1);
          at.remove('keep');
          throw mine;
        }),
      ).rejects.toBe(mine);
      await settled();
      expect(await collect(at.getRange())).toEqual([{ key: 'keep', value: 'kept' }]);
    });

    it('a write that fails inside applies none of the others; the transaction rejects with its code', async () => {
      const { at, settled } = await setup();
      await rejectsWith(
        () =>
          at.transaction(() => {
            at.put('a', 1);
            at.put('k'.repeat(MAX_KEY_BYTES + 1), 2);
            at.put('b', 3);
          }),
        'KEY_TOO_LARGE',
      );
      await rejectsWith(
        () =>
          at.transaction(() => {
            at.remove('keep');
            at.put('c', 10n);
          }),
        'ENCODING',
      );
      await settled();
      expect(await collect(at.getRange())).toEqual([{ key: 'keep', value: 'kept' }]);
      const usable = await at.transaction(() => {
        at.put('after', 1);
        return 'usable';
      });
      expect(usable).toBe('usable');
      expect(await at.get('after')).toBe(1);
    });

    it('a transaction without a callback is INVALID_INPUT', async () => {
      const { at } = await setup();
      await rejectsWith(() => at.transaction(42 as never), 'INVALID_INPUT');
      expect(await at.getCount()).toBe(1);
    });

    if (ctx.supports.crossScopeTransactions) {
      it('commits writes to another scope with it, and rolls them back with it', async () => {
        const { whole, at, settled } = await setup();
        await at.transaction(() => {
          at.put('a', 1);
          whole.put(neighbour, 'b', 2);
        });
        expect(await at.get('a')).toBe(1);
        expect(await whole.get(neighbour, 'b')).toBe(2);
        await expect(
          at.transaction(() => {
            at.put('c', 3);
            whole.put(neighbour, 'd', 4);
            throw new Error('roll back');
          }),
        ).rejects.toThrow('roll back');
        await settled();
        expect(await at.doesExist('c')).toBe(false);
        expect(await whole.doesExist(neighbour, 'd')).toBe(false);
      });
    } else {
      it('a write to another scope fails it with INVALID_INPUT, and none of its writes apply', async () => {
        const { whole, at, settled } = await setup();
        await rejectsWith(
          () =>
            at.transaction(() => {
              at.put('a', 1);
              whole.put(neighbour, 'b', 2);
            }),
          'INVALID_INPUT',
        );
        await settled();
        expect(await at.doesExist('a')).toBe(false);
        expect(await whole.doesExist(neighbour, 'b')).toBe(false);
        expect(await at.getCount()).toBe(1);
      });
    }
  });
}
