/**
 * Call order (API v2, both backends): async writes issued without awaiting apply exactly as
 * if each had run after the one before, and each resolves with what was true at its place.
 */
import { describe, expect, it } from 'vitest';
import { collect, type ScopeRun, type SuiteContext } from '../context.js';

export function writeOrderGroup(ctx: SuiteContext, run: ScopeRun): void {
  describe('call order', () => {
    it('clearAsync then put keeps the put; the clear counts what was there before it', async () => {
      const at = run.at(ctx.stringDb());
      await at.put('old', 1);
      const [cleared, put] = await Promise.all([at.clearAsync(), at.put('k', 'v')]);
      expect(cleared).toBe(1);
      expect(put).toBe(true);
      expect(await collect(at.getKeys())).toEqual(['k']);
    });

    it('each remove resolves whether the key existed at its place; a put after a remove stays', async () => {
      const at = run.at(ctx.stringDb());
      await at.put('k', 1);
      const results = await Promise.all([at.remove('k'), at.remove('k'), at.put('k', 2), at.removeSync('missing'), at.remove('k')]);
      expect(results).toEqual([true, false, true, false, true]);
      expect(await at.doesExist('k')).toBe(false);
      await Promise.all([at.remove('k'), at.put('k', 3)]);
      expect(await at.get('k')).toBe(3);
    });

    it('mixes put, putSync, removeSync and clearSync in call order', async () => {
      const at = run.at(ctx.stringDb());
      const writes = [
        at.put('a', 1),
        at.removeSync('a'),
        at.putSync('a', 2),
        at.put('b', 1),
        at.clearSync(),
        at.put('c', 1),
        at.putSync('a', 3),
      ];
      expect(await Promise.all(writes)).toEqual([true, true, true, true, 2, true, true]);
      expect(await collect(at.getRange())).toEqual([
        { key: 'a', value: 3 },
        { key: 'c', value: 1 },
      ]);
    });

    it('the last of many un-awaited writes to one key wins', async () => {
      const at = run.at(ctx.stringDb());
      await Promise.all(Array.from({ length: 50 }, (_, i) => at.put('k', i)));
      expect(await at.get('k')).toBe(49);
    });

    it('a transaction takes its place when called: writes issued after it apply after it', async () => {
      const at = run.at(ctx.stringDb());
      const before = at.put('k', 'before');
      const inside = at.transaction(() => {
        at.put('k', 'inside');
        at.put('t', 'inside');
      });
      const after = at.put('k', 'after');
      await Promise.all([before, inside, after]);
      expect(await at.getMany(['k', 't'])).toEqual(['after', 'inside']);
    });
  });
}
