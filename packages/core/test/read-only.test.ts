import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterEach, describe, expect, it } from 'vitest';
import { codecs, scopedDatabaseOptions } from '../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a read-only environment', () => {
  it('opens an existing database, reads it, and refuses every write with STORAGE', async () => {
    const path = mkdtempSync(join(tmpdir(), 'scoped-lmdb-readonly-'));
    dirs.push(path);
    const writer = open({ path, maxDbs: 8 });
    scopedDatabaseOptions(writer).types(codecs.string(), codecs.string()).name('docs').create().putSync('t', 'k', 'v');
    await writer.close();

    const env = open({ path, maxDbs: 8, readOnly: true });
    const db = scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('docs').create();
    expect(db.get('t', 'k')).toBe('v');
    expect([...db.getKeys('t')]).toEqual(['k']);
    const refused = { code: 'STORAGE', message: expect.stringContaining('read-only') };
    expect(() => db.putSync('t', 'k', 'w')).toThrow(expect.objectContaining(refused));
    expect(() => db.removeSync('t', 'k')).toThrow(expect.objectContaining(refused));
    expect(() => db.clearSync('t')).toThrow(expect.objectContaining(refused));
    expect(() => db.transactionSync(() => 1)).toThrow(expect.objectContaining(refused));
    await expect(db.put('t', 'k', 'w')).rejects.toMatchObject(refused);
    await expect(db.remove('t', 'k')).rejects.toMatchObject(refused);
    await expect(db.clearAsync('t')).rejects.toMatchObject(refused);
    await expect(db.transaction(() => 1)).rejects.toMatchObject(refused);
    expect(db.get('t', 'k')).toBe('v');
    // A database that was never created cannot be created read-only.
    expect(() => scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('absent').create()).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/INVALID_INPUT|STORAGE/) }),
    );
    await env.close();
  });
});
