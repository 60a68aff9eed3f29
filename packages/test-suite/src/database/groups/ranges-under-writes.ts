/**
 * Ranges walked while writes land. Every backend yields each key once, in order, and every key
 * that existed through the whole walk; with `supports.snapshotRanges` a range reads one snapshot,
 * so it yields exactly what was there when its walk started.
 */
import { describe, expect, it } from 'vitest';
import { collect, type ScopeRun, type SuiteContext } from '../context.js';

export function rangesUnderWritesGroup(ctx: SuiteContext, run: ScopeRun): void {
  const keys = Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`);
  const inOrder = (reverse: boolean) => (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0) * (reverse ? -1 : 1);

  /** Walks 20 keys; after the third entry, writes behind the walk, at it and ahead of it. */
  async function walkWhileWriting(reverse: boolean) {
    const at = run.at(ctx.stringDb());
    for (const k of keys) await at.put(k, k);
    const before = reverse ? [...keys].reverse() : keys;
    const [behind, ahead, removed] = reverse ? ['k18a', 'k01a', 'k02'] : ['k01a', 'k15a', 'k17'];
    const seen: string[] = [];
    for await (const { key, value } of at.getRange({ reverse })) {
      expect(value).toBe(key);
      seen.push(key);
      if (seen.length === 3) {
        await at.put(behind, behind);
        await at.put(ahead, ahead);
        await at.remove(removed);
        await at.put(before[3]!, before[3]!);
      }
    }
    const after = [...before.filter((k) => k !== removed), behind, ahead].sort(inOrder(reverse));
    expect(await collect(at.getKeys({ reverse }))).toEqual(after);
    return { seen, before, untouched: before.filter((k) => k !== removed) };
  }

  describe('ranges under writes', () => {
    for (const reverse of [false, true]) {
      const walk = reverse ? 'a reverse walk' : 'a walk';
      it(`${walk} yields each key once, in order, and every key no write touched`, async () => {
        const { seen, untouched } = await walkWhileWriting(reverse);
        expect(seen).toEqual([...new Set(seen)].sort(inOrder(reverse)));
        for (const k of untouched) expect(seen).toContain(k);
      });

      if (ctx.supports.snapshotRanges) {
        it(`${walk} reads one snapshot: it yields what was there when it started`, async () => {
          const { seen, before } = await walkWhileWriting(reverse);
          expect(seen).toEqual(before);
        });
      }
    }
  });
}
