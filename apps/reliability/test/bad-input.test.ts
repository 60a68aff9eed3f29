import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Codec,
  codecs,
  keyFormat,
  MAX_KEY_BYTES,
  Scope,
  type ScopedDatabase,
  ScopedDbError,
  scopedDatabaseOptions,
} from '@scoped-lmdb/core';
import { open, type RootDatabase } from 'lmdb';
import { beforeAll, describe, expect, it } from 'vitest';
import { caught, onCleanup, scopedError, tempDir, tempEnv } from './helpers.js';
import { finished, fixture } from './spawn.js';

/**
 * The bad-input catalogue. Each case is listed in docs/errors.md under its id (B01, B02, …)
 * with the code it returns. Every case checks the three promises of the error contract:
 * a ScopedDbError with a stable code, the earlier data intact, the database still usable.
 */

type Db = ScopedDatabase<string, unknown>;

/** Earlier data in a named scope and in DEFAULT, and a check that it survived. */
function seed(db: Db) {
  db.putSync('tenant', 'keep', { kept: 1 });
  db.putSync('tenant', 'keep-2', [1, 2, 3]);
  db.putSync(null, 'keep', 'default');
}

function expectIntact(db: Db): void {
  expect(db.get('tenant', 'keep')).toEqual({ kept: 1 });
  expect(db.get('tenant', 'keep-2')).toEqual([1, 2, 3]);
  expect(db.get(null, 'keep')).toBe('default');
  expect([...db.getKeys('tenant')]).toEqual(['keep', 'keep-2']);
  expect(db.getCount(null)).toBe(1);
}

/** Still usable: a fresh write (sync and async) lands and reads back; then it is removed. */
async function expectUsable(db: Db): Promise<void> {
  expect(db.putSync('tenant', 'probe', 'sync')).toBe(true);
  expect(await db.put('tenant', 'probe-async', 'async')).toBe(true);
  expect(db.get('tenant', 'probe')).toBe('sync');
  expect(db.get('tenant', 'probe-async')).toBe('async');
  expect(db.removeSync('tenant', 'probe')).toBe(true);
  expect(await db.remove('tenant', 'probe-async')).toBe(true);
  expectIntact(db);
}

function setup(env: RootDatabase = tempEnv()) {
  const db = scopedDatabaseOptions(env).types(codecs.string(), codecs.json<unknown>()).name('catalogue').create();
  seed(db);
  return { env, db };
}

/** Runs `bad` and expects exactly a ScopedDbError with `code` (thrown, or rejected for promises). */
async function expectCode(code: string, bad: () => unknown): Promise<ScopedDbError> {
  const error = await caught(bad);
  expect(error).toBeInstanceOf(ScopedDbError);
  expect(error).toEqual(scopedError(code));
  return error as ScopedDbError;
}

/** A promise-returning method must reject, never throw synchronously. */
async function expectRejects(code: string, bad: () => Promise<unknown>): Promise<void> {
  let promise: Promise<unknown> | undefined;
  expect(() => {
    promise = bad();
  }).not.toThrow();
  await expect(promise).rejects.toEqual(scopedError(code));
}

describe('bad input catalogue: scope names', () => {
  it('B01 an empty scope name is EMPTY_SCOPE_NAME on every method, sync and async', async () => {
    const { db } = setup();
    for (const bad of [() => db.get('', 'keep'), () => db.putSync('', 'k', 1), () => db.getCount(''), () => db.clearSync('')]) {
      await expectCode('EMPTY_SCOPE_NAME', bad);
    }
    await expectRejects('EMPTY_SCOPE_NAME', () => db.put('', 'k', 1));
    await expectRejects('EMPTY_SCOPE_NAME', () => db.clearAsync(''));
    await expectUsable(db);
  });

  it('B02 Scope.named(""), Scope.from("") and db.scope("") are EMPTY_SCOPE_NAME', async () => {
    const { db } = setup();
    await expectCode('EMPTY_SCOPE_NAME', () => Scope.named(''));
    await expectCode('EMPTY_SCOPE_NAME', () => Scope.from(''));
    await expectCode('EMPTY_SCOPE_NAME', () => db.scope(''));
    await expectUsable(db);
  });

  it('B03 a number as the scope (JavaScript caller) is INVALID_INPUT', async () => {
    const { db } = setup();
    await expectCode('INVALID_INPUT', () => db.putSync(42 as never, 'k', 1));
    await expectCode('INVALID_INPUT', () => db.get(0 as never, 'keep'));
    await expectRejects('INVALID_INPUT', () => db.put(7 as never, 'k', 1));
    await expectUsable(db);
  });

  it('B04 an object, array, boolean or bigint as the scope is INVALID_INPUT', async () => {
    const { db } = setup();
    for (const bad of [{}, [], ['tenant'], true, 10n, { name: 'tenant' }]) {
      await expectCode('INVALID_INPUT', () => db.getRange(bad as never));
      await expectCode('INVALID_INPUT', () => db.isScopeEmpty(bad as never));
      await expectRejects('INVALID_INPUT', () => db.getMany(bad as never, ['keep']));
    }
    await expectUsable(db);
  });

  it('B05 scope names that are not well-formed UTF-16 (lone or reversed surrogates) are INVALID_INPUT', async () => {
    const { db } = setup();
    for (const bad of ['\uD800', '\uDC00', 'a\uDC00\uD800b', `tenant${'\uD83D'}`]) {
      await expectCode('INVALID_INPUT', () => Scope.named(bad));
      await expectCode('INVALID_INPUT', () => db.putSync(bad, 'k', 1));
      await expectRejects('INVALID_INPUT', () => db.remove(bad, 'keep'));
    }
    // A well-formed pair is a fine name.
    expect(db.putSync('tenant-😀', 'k', 1)).toBe(true);
    await expectUsable(db);
  });

  it('B06 Scope.named() with a non-string (JavaScript caller) is INVALID_INPUT', async () => {
    const { db } = setup();
    for (const bad of [undefined, null, 1, {}, Symbol.for('s')]) await expectCode('INVALID_INPUT', () => Scope.named(bad as never));
    await expectUsable(db);
  });
});

describe('bad input catalogue: keys', () => {
  it('B07 an oversize key is KEY_TOO_LARGE for reads and writes; the limit itself works', async () => {
    const { db } = setup();
    const over = 'k'.repeat(MAX_KEY_BYTES + 1);
    for (const scope of ['tenant', null]) {
      await expectCode('KEY_TOO_LARGE', () => db.putSync(scope, over, 1));
      await expectCode('KEY_TOO_LARGE', () => db.get(scope, over));
      await expectCode('KEY_TOO_LARGE', () => db.doesExist(scope, over));
      await expectCode('KEY_TOO_LARGE', () => db.removeSync(scope, over));
      await expectRejects('KEY_TOO_LARGE', () => db.put(scope, 'x'.repeat(100_000), 1));
      await expectRejects('KEY_TOO_LARGE', () => db.getMany(scope, ['keep', over]));
    }
    const max = 'k'.repeat(MAX_KEY_BYTES);
    expect(db.putSync('tenant', max, 'max')).toBe(true);
    expect(db.get('tenant', max)).toBe('max');
    expect(db.removeSync('tenant', max)).toBe(true);
    await expectUsable(db);
  });

  it('B08 an oversize key as a range bound is KEY_TOO_LARGE', async () => {
    const { db } = setup();
    const over = 'z'.repeat(MAX_KEY_BYTES + 1);
    await expectCode('KEY_TOO_LARGE', () => db.getRange('tenant', { start: over }));
    await expectCode('KEY_TOO_LARGE', () => db.getKeys('tenant', { end: over, reverse: true }));
    await expectCode('KEY_TOO_LARGE', () => db.getCount('tenant', { start: 'a', end: over }));
    await expectUsable(db);
  });

  it('B09 a key under the limit in characters but over it in UTF-8 bytes is KEY_TOO_LARGE', async () => {
    const { db } = setup();
    const key = 'é'.repeat(MAX_KEY_BYTES / 2 + 1); // 986 characters, 1972 bytes
    expect(key.length).toBeLessThan(MAX_KEY_BYTES);
    await expectCode('KEY_TOO_LARGE', () => db.putSync('tenant', key, 1));
    await expectRejects('KEY_TOO_LARGE', () => db.put('tenant', '租'.repeat(700), 1));
    await expectUsable(db);
  });

  it('B10 an empty string key is INVALID_INPUT in the default scope (LMDB has no zero-length keys)', async () => {
    const { db } = setup();
    await expectCode('INVALID_INPUT', () => db.putSync(null, '', 1));
    await expectCode('INVALID_INPUT', () => db.get(null, ''));
    await expectCode('INVALID_INPUT', () => db.getKeys(null, { start: '' }));
    await expectRejects('INVALID_INPUT', () => db.put(null, '', 1));
    await expectUsable(db);
  });

  it('B11 an empty byte key is INVALID_INPUT in the default scope of a raw-bytes database (a named scope stores it)', async () => {
    const { env, db } = setup();
    const raw = scopedDatabaseOptions(env).rawBytes().name('raw').create();
    raw.putSync('tenant', Uint8Array.of(1), Uint8Array.of(1));
    await expectCode('INVALID_INPUT', () => raw.putSync(null, new Uint8Array(0), Uint8Array.of(1)));
    await expectRejects('INVALID_INPUT', () => raw.remove(null, new Uint8Array(0)));
    expect(raw.putSync('tenant', new Uint8Array(0), Uint8Array.of(2))).toBe(true);
    expect(raw.get('tenant', new Uint8Array(0))).toEqual(Uint8Array.of(2));
    expect(raw.removeSync('tenant', new Uint8Array(0))).toBe(true);
    expect(raw.get('tenant', Uint8Array.of(1))).toEqual(Uint8Array.of(1));
    await expectUsable(db);
  });

  it('B12 a key of the wrong type for its codec (JavaScript caller) is ENCODING', async () => {
    const { db } = setup();
    for (const bad of [42, undefined, null, { k: 1 }, Uint8Array.of(1)]) {
      await expectCode('ENCODING', () => db.putSync('tenant', bad as never, 1));
      await expectCode('ENCODING', () => db.get('tenant', bad as never));
      await expectRejects('ENCODING', () => db.put('tenant', bad as never, 1));
    }
    await expectCode('ENCODING', () => db.getRange('tenant', { start: 5 as never }));
    await expectUsable(db);
  });

  it('B13 a key the ordered-binary key codec cannot order (NaN, nested array, object) is ENCODING', async () => {
    const env = tempEnv();
    const { db } = setup(env);
    const keyed = scopedDatabaseOptions(env).types(codecs.key(), codecs.json()).name('keyed').create();
    keyed.putSync('tenant', ['a', 1], 'kept');
    for (const bad of [Number.NaN, [['nested']], { a: 1 }, Symbol.for('x')]) {
      await expectCode('ENCODING', () => keyed.putSync('tenant', bad as never, 1));
    }
    expect(keyed.get('tenant', ['a', 1])).toBe('kept');
    await expectUsable(db);
  });
});

describe('bad input catalogue: values and codecs', () => {
  it('B14 a value JSON cannot encode (undefined, bigint, function, symbol) is ENCODING; nothing is written', async () => {
    const { db } = setup();
    for (const bad of [undefined, 10n, () => 1, Symbol.for('v'), { big: 1n }]) {
      await expectCode('ENCODING', () => db.putSync('tenant', 'keep', bad));
      await expectRejects('ENCODING', () => db.put('tenant', 'new', bad));
    }
    expect(db.doesExist('tenant', 'new')).toBe(false);
    await expectUsable(db);
  });

  it('B15 a cyclic value is ENCODING, and the previous value under that key is kept', async () => {
    const { db } = setup();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expectRejects('ENCODING', () => db.put('tenant', 'keep', cyclic));
    await expectCode('ENCODING', () => db.putSync('tenant', 'keep', cyclic));
    await expectUsable(db);
  });

  it('B16 a non-byte value or key in a raw-bytes database (JavaScript caller) is ENCODING', async () => {
    const { env, db } = setup();
    const raw = scopedDatabaseOptions(env).rawBytes().name('raw').create();
    raw.putSync('tenant', Uint8Array.of(1), Uint8Array.of(9));
    for (const bad of ['text', 1, [1, 2], new ArrayBuffer(2), null]) {
      await expectCode('ENCODING', () => raw.putSync('tenant', Uint8Array.of(2), bad as never));
      await expectCode('ENCODING', () => raw.putSync('tenant', bad as never, Uint8Array.of(2)));
    }
    expect(raw.getCount('tenant')).toBe(1);
    expect(raw.get('tenant', Uint8Array.of(1))).toEqual(Uint8Array.of(9));
    await expectUsable(db);
  });

  it('B17 a custom codec that throws, or returns something other than bytes, is ENCODING with the cause', async () => {
    const { env, db } = setup();
    const boom = new Error('boom');
    const fragile: Codec<string> = {
      name: 'fragile',
      encode: (value) => {
        if (value === 'bad') throw boom;
        if (value === 'liar') return 'not bytes' as never;
        return Buffer.from(value);
      },
      decode: (bytes) => Buffer.from(bytes).toString(),
    };
    const custom = scopedDatabaseOptions(env).types(codecs.string(), fragile).name('custom').create();
    custom.putSync('tenant', 'k', 'fine');
    const error = await expectCode('ENCODING', () => custom.putSync('tenant', 'k', 'bad'));
    expect(error.cause).toBe(boom);
    await expectCode('ENCODING', () => custom.putSync('tenant', 'k', 'liar'));
    await expectRejects('ENCODING', () => custom.put('tenant', 'k', 'liar'));
    expect(custom.get('tenant', 'k')).toBe('fine');
    await expectUsable(db);
  });

  it('B18 corrupted stored value bytes are ENCODING on read; other keys still read', async () => {
    const { env, db } = setup();
    db.putSync('tenant', 'broken', { ok: true });
    const raw = env.openDB('catalogue_scoped', { keyEncoding: 'binary', encoding: 'binary' });
    raw.putSync(keyFormat.encode('tenant', Buffer.from('broken')), Buffer.from('{"truncated'));
    await expectCode('ENCODING', () => db.get('tenant', 'broken'));
    await expectCode('ENCODING', () => [...db.getRange('tenant')]);
    await expectRejects('ENCODING', () => db.getMany('tenant', ['keep', 'broken']));
    // Keys alone still list, and the bad entry can be removed or overwritten.
    expect([...db.getKeys('tenant')]).toEqual(['broken', 'keep', 'keep-2']);
    expect(db.removeSync('tenant', 'broken')).toBe(true);
    await expectUsable(db);
  });

  it('B19 corrupted stored key bytes (not UTF-8 under a string key codec) are ENCODING when listed', async () => {
    const { env, db } = setup();
    const raw = env.openDB('catalogue_scoped', { keyEncoding: 'binary', encoding: 'binary' });
    const badKey = keyFormat.encode('tenant', Uint8Array.of(0xff, 0xfe));
    raw.putSync(badKey, Buffer.from('1'));
    await expectCode('ENCODING', () => [...db.getKeys('tenant')]);
    // Counting does not decode keys, so it still answers.
    expect(db.getCount('tenant')).toBe(3);
    raw.removeSync(badKey);
    await expectUsable(db);
  });

  it('B20 reopening with another value codec is CODEC_MISMATCH; the data still reads with the right one', async () => {
    const { env, db } = setup();
    const other: Codec<string> = { name: 'other', encode: (v) => Buffer.from(v), decode: (b) => Buffer.from(b).toString() };
    await expectCode('CODEC_MISMATCH', () => scopedDatabaseOptions(env).types(codecs.string(), other).name('catalogue').create());
    await expectCode('CODEC_MISMATCH', () => scopedDatabaseOptions(env).types(codecs.key(), codecs.json()).name('catalogue').create());
    const again = scopedDatabaseOptions(env).types(codecs.string(), codecs.json<unknown>()).name('catalogue').create();
    expectIntact(again);
    await expectUsable(db);
  });

  it('B21 reopening as another kind (rawBytes over a typed database, or unnamedForDefault) is CODEC_MISMATCH', async () => {
    const { env, db } = setup();
    await expectCode('CODEC_MISMATCH', () => scopedDatabaseOptions(env).rawBytes().name('catalogue').create());
    await expectCode('CODEC_MISMATCH', () => scopedDatabaseOptions(env).bytesKeys(codecs.json()).name('catalogue').create());
    scopedDatabaseOptions(env).rawBytes().name('plain-raw').create();
    await expectCode('CODEC_MISMATCH', () => scopedDatabaseOptions(env).rawBytes().name('plain-raw').unnamedForDefault().create());
    await expectUsable(db);
  });
});

describe('bad input catalogue: options and arguments from JavaScript callers', () => {
  it('B22 range options that are not an object are INVALID_INPUT', async () => {
    const { db } = setup();
    for (const bad of [5, 'start', null, true]) {
      await expectCode('INVALID_INPUT', () => db.getRange('tenant', bad as never));
      await expectCode('INVALID_INPUT', () => db.getCount('tenant', bad as never));
    }
    await expectUsable(db);
  });

  it('B23 limit or offset that is negative, fractional, NaN, infinite or a string is INVALID_INPUT', async () => {
    const { db } = setup();
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2']) {
      await expectCode('INVALID_INPUT', () => db.getKeys('tenant', { limit: bad as never }));
      await expectCode('INVALID_INPUT', () => db.getCount('tenant', { offset: bad as never }));
    }
    expect([...db.getKeys('tenant', { limit: 0 })]).toEqual([]);
    await expectUsable(db);
  });

  it('B24 getMany with something other than an array rejects with INVALID_INPUT', async () => {
    const { db } = setup();
    for (const bad of ['keep', undefined, { 0: 'keep', length: 1 }, new Set(['keep'])]) {
      await expectRejects('INVALID_INPUT', () => db.getMany('tenant', bad as never));
    }
    await expectUsable(db);
  });

  it('B25 a database name that is empty, reserved, not a string or malformed is INVALID_INPUT', async () => {
    const { env, db } = setup();
    const builder = scopedDatabaseOptions(env).types(codecs.string(), codecs.json());
    for (const bad of ['', '__mine', 'orders_scoped', 42, null, '\uD800']) {
      await expectCode('INVALID_INPUT', () => builder.name(bad as never).create());
    }
    await expectUsable(db);
  });

  it('B26 create() without a name or without a kind (JavaScript caller) is INVALID_INPUT', async () => {
    const { env, db } = setup();
    await expectCode('INVALID_INPUT', () =>
      (scopedDatabaseOptions(env).types(codecs.string(), codecs.json()) as never as { create(): void }).create(),
    );
    await expectCode('INVALID_INPUT', () => (scopedDatabaseOptions(env).name('x') as never as { create(): void }).create());
    await expectCode('INVALID_INPUT', () =>
      (scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('x') as never as { unnamedForDefault(): { create(): void } })
        .unnamedForDefault()
        .create(),
    );
    await expectUsable(db);
  });

  it('B27 a codec that is not { name, encode, decode } is INVALID_INPUT at build time', async () => {
    const { env, db } = setup();
    for (const bad of [null, {}, { name: '', encode: () => 0, decode: () => 0 }, { name: 'x', encode: 1, decode: () => 0 }, 'json']) {
      await expectCode('INVALID_INPUT', () => scopedDatabaseOptions(env).types(codecs.string(), bad as never));
      await expectCode('INVALID_INPUT', () => scopedDatabaseOptions(env).types(bad as never, codecs.json()));
    }
    await expectUsable(db);
  });

  it('B28 scopedDatabaseOptions without an lmdb-js root, or with a registry that is not one, is INVALID_INPUT', async () => {
    const { env, db } = setup();
    for (const bad of [undefined, null, {}, 'path/to/db']) await expectCode('INVALID_INPUT', () => scopedDatabaseOptions(bad as never));
    await expectCode('INVALID_INPUT', () => scopedDatabaseOptions(env, { registry: {} as never }));
    await expectUsable(db);
  });

  it('B29 registry methods on a database built without a registry are INVALID_INPUT', async () => {
    const { db } = setup();
    await expectCode('INVALID_INPUT', () => db.listScopes());
    await expectCode('INVALID_INPUT', () => db.findEmptyScopes());
    await expectCode('INVALID_INPUT', () => db.registerScope('tenant'));
    await expectUsable(db);
  });

  it('B30 keyFormat.decode of fewer than 8 bytes, and bounds of DEFAULT, are INVALID_INPUT', async () => {
    const { db } = setup();
    await expectCode('INVALID_INPUT', () => keyFormat.decode(new Uint8Array(7)));
    await expectCode('INVALID_INPUT', () => keyFormat.decode('not bytes' as never));
    await expectCode('INVALID_INPUT', () => keyFormat.bounds(null));
    await expectCode('INVALID_INPUT', () => keyFormat.encode('tenant', 'k' as never));
    await expectUsable(db);
  });

  it('B31 a failing write inside transactionSync rolls the whole transaction back', async () => {
    const { db } = setup();
    await expectCode('KEY_TOO_LARGE', () =>
      db.transactionSync(() => {
        db.putSync('tenant', 'keep', 'overwritten');
        db.putSync('tenant', 'first', 1);
        db.putSync('tenant', 'x'.repeat(MAX_KEY_BYTES + 1), 2);
      }),
    );
    expect(db.get('tenant', 'first')).toBeUndefined();
    await expectUsable(db);
  });
});

describe('bad input catalogue: environment and resources', () => {
  it('B32 every operation after the env is closed is STORAGE (promises reject); the data survives a reopen', async () => {
    const path = tempDir();
    const env = open({ path, maxDbs: 16 });
    const { db } = setup(env);
    await env.close();
    for (const bad of [
      () => db.get('tenant', 'keep'),
      () => db.doesExist('tenant', 'keep'),
      () => db.putSync('tenant', 'k', 1),
      () => db.removeSync('tenant', 'keep'),
      () => db.getCount('tenant'),
      () => db.isScopeEmpty('tenant'),
      () => db.clearSync('tenant'),
    ]) {
      await expectCode('STORAGE', bad);
    }
    await expectRejects('STORAGE', () => db.put('tenant', 'k', 1));
    await expectRejects('STORAGE', () => db.remove('tenant', 'keep'));
    await expectRejects('STORAGE', () => db.clearAsync('tenant'));
    await expectRejects('STORAGE', () => db.getMany('tenant', ['keep']));
    const reopened = open({ path, maxDbs: 16 });
    onCleanup(() => reopened.close());
    await expectUsable(setup(reopened).db);
  });

  // Before core wrapped them, these were lmdb-js's plain Errors (and `transaction` threw synchronously).
  it('B39 ranges, transactionSync and transaction after the env is closed are STORAGE too', async () => {
    const env = tempEnv();
    const { db } = setup(env);
    await env.close();
    await expectCode('STORAGE', () => [...db.getKeys('tenant')]);
    await expectCode('STORAGE', () => [...db.getRange('tenant')]);
    await expectCode('STORAGE', () => db.transactionSync(() => db.putSync('tenant', 'k', 1)));
    await expectRejects('STORAGE', () => db.transaction(() => db.putSync('tenant', 'k', 1)));
  });

  it('B33 exhausted reader slots: a read is STORAGE; releasing the readers makes it usable again', async () => {
    // lmdb-js keeps one read transaction per thread, but an iterator left open across a commit
    // pins its snapshot and the next read needs a new slot: open iterators are what exhaust them.
    const { db } = setup(tempEnv({ maxReaders: 4 }));
    const { held, failure } = holdReaders(db);
    expect(held.length).toBeGreaterThan(0);
    expect(failure).toBeDefined();
    await expectCode('STORAGE', () => db.get('tenant', 'keep'));
    for (const iterator of held) iterator.return?.();
    for (let i = 0; i < held.length; i++) db.removeSync('tenant', `commit-${i}`);
    await expectUsable(db);
  });

  // lmdb-js raises this one from inside the lazy iteration; core wraps it.
  it('B34 exhausted reader slots while iterating a range is STORAGE too', async () => {
    const { db } = setup(tempEnv({ maxReaders: 4 }));
    const { held, failure } = holdReaders(db);
    for (const iterator of held) iterator.return?.();
    expect(failure).toBeInstanceOf(ScopedDbError);
    expect(failure).toEqual(scopedError('STORAGE'));
    for (let i = 0; i < held.length; i++) db.removeSync('tenant', `commit-${i}`);
    await expectUsable(db);
  });
});

/**
 * Opens range iterators and commits between them until a read finds no free reader slot:
 * an iterator left open across a commit pins its snapshot, so each one holds a slot.
 */
function holdReaders(db: ReturnType<typeof setup>['db']): { held: Iterator<unknown>[]; failure: unknown } {
  const held: Iterator<unknown>[] = [];
  for (let i = 0; i < 10; i++) {
    try {
      const iterator = db.getRange('tenant')[Symbol.iterator]();
      iterator.next();
      held.push(iterator);
      db.putSync('tenant', `commit-${i}`, i);
    } catch (failure) {
      return { held, failure };
    }
  }
  return { held, failure: undefined };
}

const RUNS_PER_STEP = 8;
// A run takes about 2 s; one that hangs is killed well before the hook's own timeout.
const RUN_TIMEOUT_MS = 25_000;

/** Runs one step of the file-limit fixture under `ulimit -f` (8 MiB); returns what it reported. */
async function underFileLimit(dir: string, step: string): Promise<{ seen: Record<string, unknown>; log: string }> {
  const script = `ulimit -f 16384 && exec "${process.execPath}" --conditions=@scoped-lmdb/source --import tsx "${fixture('file-limit.ts')}" "${dir}" ${step}`;
  const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  const result = await finished(child).finally(() => clearTimeout(timer));
  // One JSON line per thing seen, each written as soon as it was known.
  const lines = result.stdout.split('\n').filter((line) => line.startsWith('{'));
  const seen = Object.assign({}, ...lines.map((line) => JSON.parse(line)));
  const log = `exit ${result.code ?? result.signal}: ${result.stdout}${result.stderr.slice(-300)}`;
  return { seen, log };
}

/**
 * An exhausted map: lmdb-js grows the map file on demand, so the realistic failure is the
 * file system refusing the growth (a full disk). A child process runs under `ulimit -f`,
 * which makes the kernel refuse writes past 8 MiB, and reports what the library showed it.
 */
describe.skipIf(process.platform === 'win32')('bad input catalogue: exhausted map (file size limit)', () => {
  type Seen = { scoped: boolean; code: unknown; message: string } | { ok: true };
  let path: string;
  let report: {
    sync: Seen & { written: number };
    async: Seen;
    transaction: Seen;
    keepReadable: boolean;
    count: number;
    otherCount: number;
    smallWriteAfter: unknown;
  };

  beforeAll(async () => {
    // lmdb-js (3.5) can corrupt its native heap when a commit fails, and the process then
    // aborts or, now and then, hangs (docs/errors.md). What this suite checks is what
    // scoped-lmdb showed the user, so each step runs again until one run reports its last
    // line. The fill starts over in a fresh directory; the later steps are safe to repeat on
    // the filled files.
    const failures: string[] = [];
    const until = async (step: string, last: string, dirFor: () => string) => {
      for (let attempt = 1; attempt <= RUNS_PER_STEP; attempt++) {
        const dir = dirFor();
        const run = await underFileLimit(dir, step);
        if (last in run.seen) return { dir, seen: run.seen };
        failures.push(`${step}, run ${attempt}: ${run.log}`);
      }
      throw new Error(`no run of the step "${step}" got to its last report:\n${failures.join('\n')}`);
    };
    const dirs: string[] = [];
    // Not tempDir(): that one is removed after each test, and every test here reads this directory.
    const freshDir = () => {
      dirs.push(mkdtempSync(join(tmpdir(), 'scoped-lmdb-file-limit-')));
      return dirs.at(-1) as string;
    };
    const removeDirs = () => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    };
    try {
      const fill = await until('fill', 'smallWriteAfter', freshDir);
      path = fill.dir;
      const transaction = await until('transaction', 'otherCount', () => path);
      const async = await until('async', 'unhandledRejections', () => path);
      report = { ...fill.seen, ...transaction.seen, ...async.seen } as typeof report;
    } catch (error) {
      removeDirs();
      throw error;
    }
    return removeDirs;
  }, 240_000);

  it('B35 a synchronous write past the limit is STORAGE; earlier data reads; smaller writes still fit', () => {
    expect(report.sync).toMatchObject({ scoped: true, code: 'STORAGE' });
    expect(report.sync.written).toBeGreaterThan(0);
    expect(report.keepReadable).toBe(true);
    expect(report.count).toBe(50 + report.sync.written);
    expect(report.smallWriteAfter).toBe(true);
  });

  // After a failed async commit lmdb-js may abort the process later (docs/errors.md), so the
  // "still works" half of this case is checked in a fresh process, by B37.
  it('B36 an async write past the limit rejects with STORAGE', () => {
    expect(report.async).toMatchObject({ scoped: true, code: 'STORAGE' });
  });

  it('B37 after the failures, a reopened env has every committed write and takes new ones', async () => {
    const env = open({ path, maxDbs: 8 });
    onCleanup(() => env.close());
    const db = scopedDatabaseOptions(env).types(codecs.string(), codecs.bytes()).name('full').create();
    // `count` was taken before 'small-after' replaced 'fill-0'; the failed async put left nothing.
    expect(db.getCount('tenant')).toBe(report.count);
    expect(db.get('tenant', 'small-after')).toEqual(Uint8Array.of(0));
    expect(db.get('tenant', 'keep-7')).toEqual(new Uint8Array(100).fill(7));
    expect(db.get('tenant', 'big-async')).toBeUndefined();
    // The failed transaction left nothing behind: not even its first, small write.
    expect(db.getCount('other')).toBe(0);
    expect(await db.put('tenant', 'after-reopen', Uint8Array.of(1))).toBe(true);
    expect(db.get('tenant', 'after-reopen')).toEqual(Uint8Array.of(1));
  });

  // A commit that fails (EIO / EFBIG from the file system) is STORAGE, and rolls back the whole transaction.
  it('B38 a transactionSync whose commit fails past the limit is STORAGE, and leaves nothing', () => {
    expect(report.transaction).toMatchObject({ scoped: true, code: 'STORAGE' });
    // Read by the same process right after the failure: not even the first, small write is there.
    expect(report.otherCount).toBe(0);
  });
});
