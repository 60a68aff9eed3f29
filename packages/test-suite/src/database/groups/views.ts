/** Views: `db.scope(s)` is bound to its scope and cannot reach another (only with `supports.views`). */
import { describe, expect, it } from 'vitest';
import { collect, type SuiteContext } from '../context.js';

export function viewsGroup(ctx: SuiteContext): void {
  describe('views', () => {
    it('views are confined to their scope', async () => {
      const db = ctx.stringDb();
      const view = db.scope('tenant-1');
      expect(view.scope.equals('tenant-1')).toBe(true);
      expect(await view.isEmpty()).toBe(true);
      await view.put('k', 'mine');
      await db.put('tenant-2', 'k', 'theirs');
      expect(await view.get('k')).toBe('mine');
      expect(await collect(view.getKeys())).toEqual(['k']);
      expect(await view.getCount()).toBe(1);
      expect(await db.get(null, 'k')).toBeUndefined();
      expect(await view.clearAsync()).toBe(1);
      expect(await view.isEmpty()).toBe(true);
      expect(await db.get('tenant-2', 'k')).toBe('theirs');
      expect(db.scope(null).scope.isDefault).toBe(true);
    });
  });
}
