import { describe, expect, it } from 'vitest';
import { type Codec, codecs, META_TABLE, scopedDatabaseOptions } from '../src/index.js';
import { bytes, tempEnv } from './helpers.js';

const code = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });

describe('scopedDatabaseOptions builder', () => {
  it('is immutable: each call returns a new builder', () => {
    const env = tempEnv();
    const base = scopedDatabaseOptions(env);
    const strings = base.types(codecs.string(), codecs.string());
    const a = strings.name('a');
    const b = strings.name('b');
    expect(a).not.toBe(b);
    expect(a.create().name).toBe('a');
    expect(b.create().name).toBe('b');
    // The base builder still has no kind.
    expect(() => (base as unknown as { create(): unknown }).create()).toThrow(code('INVALID_INPUT'));
  });

  it('accepts calls in any order', () => {
    const env = tempEnv();
    const db = scopedDatabaseOptions(env).name('any-order').types(codecs.string(), codecs.string()).create();
    db.putSync('s', 'k', 'v');
    expect(db.get('s', 'k')).toBe('v');
  });

  it('records the kind and codecs, and refuses to reopen with others (CODEC_MISMATCH)', () => {
    const env = tempEnv();
    scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('orders').create().putSync('t', 'k', { a: 1 });
    const meta = env.openDB(META_TABLE, { keyEncoding: 'binary', encoding: 'binary' });
    expect(JSON.parse(Buffer.from(meta.getBinary(Buffer.from('orders')) as Uint8Array).toString())).toEqual({
      format: 1,
      kind: 'types',
      keyCodec: 'string',
      valueCodec: 'json',
    });
    const reopen = () => scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('orders').create();
    expect(reopen().get('t', 'k')).toEqual({ a: 1 });
    expect(() => scopedDatabaseOptions(env).types(codecs.key(), codecs.json()).name('orders').create()).toThrow(code('CODEC_MISMATCH'));
    expect(() => scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('orders').create()).toThrow(
      code('CODEC_MISMATCH'),
    );
    expect(() => scopedDatabaseOptions(env).rawBytes().name('orders').create()).toThrow(code('CODEC_MISMATCH'));
    expect(() => scopedDatabaseOptions(env).bytesKeys(codecs.json()).name('orders').create()).toThrow(code('CODEC_MISMATCH'));
    // Nothing was lost by the failed reopen attempts.
    expect(reopen().get('t', 'k')).toEqual({ a: 1 });
  });

  it('rejects missing, empty and reserved names with INVALID_INPUT', () => {
    const builder = scopedDatabaseOptions(tempEnv()).rawBytes();
    expect(() => builder.create()).toThrow(code('INVALID_INPUT'));
    for (const bad of ['', '__mine', 'orders_scoped', 42, null]) {
      expect(() => builder.name(bad as never)).toThrow(code('INVALID_INPUT'));
    }
  });

  it('rejects things that are not an env, a registry or a codec', () => {
    expect(() => scopedDatabaseOptions({} as never)).toThrow(code('INVALID_INPUT'));
    expect(() => scopedDatabaseOptions(null as never)).toThrow(code('INVALID_INPUT'));
    const env = tempEnv();
    expect(() => scopedDatabaseOptions(env, { registry: {} as never })).toThrow(code('INVALID_INPUT'));
    expect(() => scopedDatabaseOptions(env).types({} as Codec<string>, codecs.json())).toThrow(code('INVALID_INPUT'));
    expect(() => scopedDatabaseOptions(env).bytesKeys(null as never)).toThrow(code('INVALID_INPUT'));
  });

  it('adopts an existing plain lmdb-js database as the DEFAULT scope', () => {
    const env = tempEnv();
    const plain = env.openDB('legacy', { keyEncoding: 'binary', encoding: 'binary' });
    plain.putSync(bytes(1), bytes(42));
    const db = scopedDatabaseOptions(env).rawBytes().name('legacy').create();
    expect(db.get(null, bytes(1))).toEqual(bytes(42));
    expect(db.getCount('tenant')).toBe(0);
  });
});

describe('unnamedForDefault', () => {
  it('keeps DEFAULT in the main database and skips the records of library tables', () => {
    const env = tempEnv();
    scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('other').create().putSync(null, 'x', 'y');
    const db = scopedDatabaseOptions(env).rawBytes().unnamedForDefault().name('main').create();
    expect(db.isScopeEmpty(null)).toBe(true);
    expect(db.getCount(null)).toBe(0);
    db.putSync(null, bytes(0), bytes(1));
    db.putSync(null, Buffer.from('zzz'), bytes(2));
    db.putSync('tenant', bytes(0), bytes(3));
    const main = env.openDB({ name: null as unknown as string, keyEncoding: 'binary', encoding: 'binary' });
    expect(main.getBinary(bytes(0))).toEqual(Buffer.from([1]));
    expect([...db.getKeys(null)].map((k) => Buffer.from(k).toString('latin1'))).toEqual(['\0', 'zzz']);
    expect(db.getCount(null)).toBe(2);
    expect(db.getCount(null, { offset: 1 })).toBe(1);
    expect([...db.getKeys(null, { limit: 1, reverse: true })].map((k) => Buffer.from(k).toString())).toEqual(['zzz']);
    expect(db.clearSync(null)).toBe(2);
    expect(db.isScopeEmpty(null)).toBe(true);
    expect(db.get('tenant', bytes(0))).toEqual(bytes(3));
    // The other database's tables survived the clear of the main database.
    expect(scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('other').create().get(null, 'x')).toBe('y');
  });

  it('refuses to clear when it meets a table opened outside the library, and removes nothing', () => {
    const env = tempEnv();
    env.openDB('foreign', { keyEncoding: 'binary' }).putSync(bytes(1), 'x');
    const db = scopedDatabaseOptions(env).rawBytes().unnamedForDefault().name('main').create();
    db.putSync(null, bytes(0), bytes(1));
    db.putSync(null, Buffer.from('zzz'), bytes(2));
    expect(() => db.clearSync(null)).toThrow(code('STORAGE'));
    expect(db.get(null, bytes(0))).toEqual(bytes(1));
    expect(db.get(null, Buffer.from('zzz'))).toEqual(bytes(2));
    expect(env.openDB('foreign', { keyEncoding: 'binary' }).get(bytes(1))).toBe('x');
    db.putSync(null, bytes(5), bytes(5));
    expect(db.get(null, bytes(5))).toEqual(bytes(5));
  });

  it('keeps point operations away from table records: reads miss, writes are refused', async () => {
    const env = tempEnv();
    const db = scopedDatabaseOptions(env).rawBytes().unnamedForDefault().name('main').create();
    db.putSync('s', bytes(1), bytes(1));
    const record = Buffer.from('main_scoped\0');
    expect(env.openDB({ name: null as unknown as string, keyEncoding: 'binary', encoding: 'binary' }).getBinary(record)).toBeDefined();
    expect(db.get(null, record)).toBeUndefined();
    expect(db.doesExist(null, record)).toBe(false);
    expect(await db.getMany(null, [record, bytes(7)])).toEqual([undefined, undefined]);
    expect(() => db.putSync(null, record, bytes(9))).toThrow(code('INVALID_INPUT'));
    await expect(db.put(null, record, bytes(9))).rejects.toEqual(code('INVALID_INPUT'));
    expect(db.removeSync(null, record)).toBe(false);
    expect(await db.remove(null, record)).toBe(false);
    // A table's bare name, and an ordinary key ending in NUL, are ordinary keys.
    db.putSync(null, Buffer.from('main_scoped'), bytes(6));
    expect(db.get(null, Buffer.from('main_scoped'))).toEqual(bytes(6));
    expect([...db.getKeys(null)].map((k) => Buffer.from(k).toString())).toEqual(['main_scoped']);
    db.putSync(null, Buffer.from('plain\0'), bytes(5));
    expect(db.get(null, Buffer.from('plain\0'))).toEqual(bytes(5));
    expect(db.get('s', bytes(1))).toEqual(bytes(1));
  });

  it('is recorded, so reopening without it is a mismatch', () => {
    const env = tempEnv();
    scopedDatabaseOptions(env).rawBytes().unnamedForDefault().name('main').create();
    expect(() => scopedDatabaseOptions(env).rawBytes().name('main').create()).toThrow(code('CODEC_MISMATCH'));
  });
});
