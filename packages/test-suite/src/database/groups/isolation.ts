/** Isolation: every operation stays in its scope and its database, at the edges of the id space too. */
import { Scope, type ScopeLike } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { bytes, collect, edgeScopes, hex, type SuiteContext } from '../context.js';

export function isolationGroup(ctx: SuiteContext): void {
  const named = ['a', 'b', '租户', 'user:12345', 'x'.repeat(1000)];
  const { startsWith00, startsWithFF, endsWithFF, endsWithFFFF } = edgeScopes();
  const edges = [startsWith00, startsWithFF, endsWithFF, endsWithFFFF];
  const allScopes: ScopeLike[] = [null, ...named, ...edges];

  describe('isolation', () => {
    it('runs on scopes at the edges of the id space', () => {
      const id = (name: string) => hex(Scope.named(name).id!);
      expect(id(startsWith00)).toMatch(/^00/);
      expect(id(startsWithFF)).toMatch(/^ff/);
      expect(id(endsWithFF)).toMatch(/ff$/);
      expect(id(endsWithFF).slice(12, 14)).not.toBe('ff');
      expect(id(endsWithFFFF)).toMatch(/ffff$/);
    });

    it('keeps the same key apart in every scope', async () => {
      const db = ctx.stringDb();
      for (const [i, s] of allScopes.entries()) await db.put(s, 'k', { i });
      for (const [i, s] of allScopes.entries()) expect(await db.get(s, 'k')).toEqual({ i });
      expect(await db.get('never-written', 'k')).toBeUndefined();
    });

    it('removes in one scope only, reporting whether the key existed', async () => {
      const db = ctx.stringDb();
      for (const s of allScopes) await db.put(s, 'k', 1);
      expect(await db.remove('a', 'k')).toBe(true);
      expect(await db.remove('a', 'k')).toBe(false);
      expect(await db.removeSync('b', 'missing')).toBe(false);
      expect(await db.get('a', 'k')).toBeUndefined();
      for (const s of allScopes.filter((s) => s !== 'a')) expect(await db.get(s, 'k')).toBe(1);
    });

    it('clears one scope of one database and nothing else', async () => {
      const db = ctx.stringDb();
      const other = ctx.stringDb();
      for (const s of allScopes) {
        for (const k of ['x', 'y', 'z']) await db.put(s, k, k);
        await other.put(s, 'x', 'other');
      }
      for (const s of edges) {
        expect(await db.clearAsync(s)).toBe(3);
        expect(await db.getCount(s)).toBe(0);
      }
      expect(await db.clearSync(null)).toBe(3);
      expect(await db.clearAsync('never-written')).toBe(0);
      for (const s of ['a', 'b', '租户']) expect(await collect(db.getKeys(s))).toEqual(['x', 'y', 'z']);
      for (const s of allScopes) expect(await other.get(s, 'x')).toBe('other');
    });

    it('ranges and counts stay inside the scope at the edges of the id space', async () => {
      const db = ctx.bytesDb();
      const keys = [bytes(0x00), bytes(0x00, 0x00), bytes(0x7f), bytes(0xff), bytes(0xff, 0xff)];
      for (const s of allScopes) for (const k of keys) await db.put(s, k, String(s));
      for (const s of allScopes) {
        const forward = await collect(db.getRange(s));
        expect(forward.map((e) => hex(e.key))).toEqual(keys.map(hex));
        expect(forward.every((e) => e.value === String(s))).toBe(true);
        expect((await collect(db.getKeys(s, { reverse: true }))).map(hex)).toEqual(keys.map(hex).reverse());
        expect(await db.getCount(s)).toBe(keys.length);
      }
    });

    it('tells whether a scope is empty', async () => {
      const db = ctx.stringDb();
      expect(await db.isScopeEmpty('a')).toBe(true);
      await db.put('a', 'k', 1);
      expect(await db.isScopeEmpty('a')).toBe(false);
      expect(await db.isScopeEmpty('b')).toBe(true);
      expect(await db.isScopeEmpty(null)).toBe(true);
      await db.remove('a', 'k');
      expect(await db.isScopeEmpty('a')).toBe(true);
    });
  });
}
