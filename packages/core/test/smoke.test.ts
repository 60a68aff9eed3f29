import { describe, expect, it } from 'vitest';
import { codecs, Scope, scopedDatabaseOptions } from '../src/index.js';
import { edgeScopeNames, tempEnv } from './helpers.js';

describe('smoke', () => {
  it('puts the same key in two scopes and reads both back', async () => {
    const env = tempEnv();
    const db = scopedDatabaseOptions(env).types(codecs.string(), codecs.json<{ n: number }>()).name('orders').create();
    db.putSync('tenant-a', 'k', { n: 1 });
    await db.put('tenant-b', 'k', { n: 2 });
    db.putSync(null, 'k', { n: 0 });
    expect(db.get('tenant-a', 'k')).toEqual({ n: 1 });
    expect(db.get('tenant-b', 'k')).toEqual({ n: 2 });
    expect(db.get(Scope.DEFAULT, 'k')).toEqual({ n: 0 });
    expect(await db.remove('tenant-a', 'k')).toBe(true);
    expect(await db.remove('tenant-a', 'k')).toBe(false);
    expect(db.removeSync('tenant-b', 'k')).toBe(true);
    expect(db.removeSync('tenant-b', 'k')).toBe(false);
    console.log(edgeScopeNames);
  });
});
