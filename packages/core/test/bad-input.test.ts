import { describe, expect, it } from 'vitest';
import {
  type Codec,
  codecs,
  isScopedDbError,
  MAX_KEY_BYTES,
  type ScopedDatabase,
  ScopedDbError,
  scopedDatabaseOptions,
} from '../src/index.js';
import { tempEnv } from './helpers.js';

const code = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });

/** Every bad input: the right code, nothing written, the database still works. */
function setup() {
  const env = tempEnv();
  const db = scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('bad').create();
  db.putSync('s', 'keep', { kept: true });
  db.putSync(null, 'keep', { kept: true });
  const intact = () => {
    expect(db.get('s', 'keep')).toEqual({ kept: true });
    expect(db.get(null, 'keep')).toEqual({ kept: true });
    expect(db.getCount('s')).toBe(1);
    db.putSync('s', 'after', 1);
    expect(db.get('s', 'after')).toBe(1);
    db.removeSync('s', 'after');
  };
  return { env, db, intact };
}

describe('bad input', () => {
  it('an empty scope name is EMPTY_SCOPE_NAME on every method', async () => {
    const { db, intact } = setup();
    expect(() => db.get('', 'keep')).toThrow(code('EMPTY_SCOPE_NAME'));
    expect(() => db.putSync('', 'k', 1)).toThrow(code('EMPTY_SCOPE_NAME'));
    expect(() => db.getRange('', {})).toThrow(code('EMPTY_SCOPE_NAME'));
    expect(() => db.clearSync('')).toThrow(code('EMPTY_SCOPE_NAME'));
    expect(() => db.scope('')).toThrow(code('EMPTY_SCOPE_NAME'));
    await expect(db.put('', 'k', 1)).rejects.toEqual(code('EMPTY_SCOPE_NAME'));
    await expect(db.remove('', 'k')).rejects.toEqual(code('EMPTY_SCOPE_NAME'));
    await expect(db.clearAsync('')).rejects.toEqual(code('EMPTY_SCOPE_NAME'));
    await expect(db.getMany('', ['k'])).rejects.toEqual(code('EMPTY_SCOPE_NAME'));
    intact();
  });

  it('a scope that is a number, object or malformed string is INVALID_INPUT', async () => {
    const { db, intact } = setup();
    for (const bad of [42, {}, [], '\uD800']) {
      expect(() => db.putSync(bad as never, 'k', 1)).toThrow(code('INVALID_INPUT'));
      expect(() => db.isScopeEmpty(bad as never)).toThrow(code('INVALID_INPUT'));
      await expect(db.put(bad as never, 'k', 1)).rejects.toEqual(code('INVALID_INPUT'));
    }
    intact();
  });

  it('an oversize key is KEY_TOO_LARGE, on reads too; the limit itself is fine', async () => {
    const { db, intact } = setup();
    const max = 'k'.repeat(MAX_KEY_BYTES);
    const over = 'k'.repeat(MAX_KEY_BYTES + 1);
    expect(db.putSync('s', max, 1)).toBe(true);
    expect(db.putSync(null, max, 1)).toBe(true);
    expect(db.get('s', max)).toBe(1);
    for (const scope of ['s', null]) {
      expect(() => db.putSync(scope, over, 1)).toThrow(code('KEY_TOO_LARGE'));
      expect(() => db.get(scope, over)).toThrow(code('KEY_TOO_LARGE'));
      expect(() => db.doesExist(scope, 'é'.repeat(1000))).toThrow(code('KEY_TOO_LARGE'));
      expect(() => db.getKeys(scope, { start: over })).toThrow(code('KEY_TOO_LARGE'));
      await expect(db.put(scope, 'x'.repeat(10_000), 1)).rejects.toEqual(code('KEY_TOO_LARGE'));
    }
    db.removeSync('s', max);
    intact();
  });

  it('an empty key is INVALID_INPUT in the default scope, and an ordinary key in a named one', async () => {
    const { db, intact } = setup();
    expect(() => db.putSync(null, '', 1)).toThrow(code('INVALID_INPUT'));
    expect(() => db.get(null, '')).toThrow(code('INVALID_INPUT'));
    await expect(db.put(null, '', 1)).rejects.toEqual(code('INVALID_INPUT'));
    expect(db.putSync('s', '', 'empty')).toBe(true);
    expect(db.get('s', '')).toBe('empty');
    expect(db.removeSync('s', '')).toBe(true);
    intact();
  });

  it('a key or value the codec cannot encode is ENCODING, and nothing is written', async () => {
    const { db, intact } = setup();
    expect(() => db.putSync('s', 42 as never, 1)).toThrow(code('ENCODING'));
    expect(() => db.putSync('s', 'k', undefined)).toThrow(code('ENCODING'));
    expect(() => db.putSync('s', 'k', 10n)).toThrow(code('ENCODING'));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(db.put('s', 'k', cyclic)).rejects.toEqual(code('ENCODING'));
    expect(db.get('s', 'k')).toBeUndefined();
    intact();
  });

  it('corrupted stored bytes are ENCODING on read, and other keys still read', () => {
    const { env, db, intact } = setup();
    const scoped = env.openDB('bad_scoped', { keyEncoding: 'binary', encoding: 'binary' });
    const [rawKey] = [...scoped.getKeys({})] as Uint8Array[];
    db.putSync('s', 'broken', 1);
    const broken = [...scoped.getKeys({})].find((k) =>
      Buffer.from(k as Uint8Array)
        .toString()
        .endsWith('broken'),
    ) as Uint8Array;
    scoped.putSync(broken, Buffer.from('{not json'));
    // The message says which database, scope and key.
    const where = expect.objectContaining({ code: 'ENCODING', message: expect.stringContaining('in "bad", scope "s", key "broken"') });
    expect(() => db.get('s', 'broken')).toThrow(where);
    expect(() => [...db.getRange('s')]).toThrow(where);
    expect(rawKey).toBeDefined();
    db.removeSync('s', 'broken');
    intact();
  });

  it('a custom codec that throws plain errors is wrapped as ENCODING with the cause', () => {
    const env = tempEnv();
    const boom = new Error('boom');
    const fragile: Codec<string> = {
      name: 'fragile',
      encode: (v) => {
        if (v === 'bad') throw boom;
        return Buffer.from(v);
      },
      decode: () => {
        throw boom;
      },
    };
    const db = scopedDatabaseOptions(env).types(codecs.string(), fragile).name('fragile').create();
    try {
      db.putSync('s', 'k', 'bad');
      expect.unreachable();
    } catch (error) {
      expect(error).toEqual(code('ENCODING'));
      expect((error as Error).cause).toBe(boom);
    }
    db.putSync('s', 'k', 'fine');
    expect(() => db.get('s', 'k')).toThrow(code('ENCODING'));
    const liar = { name: 'liar', encode: () => 'not bytes', decode: () => 'x' } as unknown as Codec<string>;
    const db2 = scopedDatabaseOptions(env).types(codecs.string(), liar).name('liar').create();
    expect(() => db2.putSync('s', 'k', 'v')).toThrow(code('ENCODING'));
  });

  it('wrong argument types from JavaScript callers are INVALID_INPUT or ENCODING, never a crash', async () => {
    const { db, intact } = setup();
    expect(() => db.getKeys('s', 5 as never)).toThrow(code('INVALID_INPUT'));
    await expect(db.getMany('s', 'k' as never)).rejects.toEqual(code('INVALID_INPUT'));
    const raw = scopedDatabaseOptions(tempEnv()).rawBytes().name('raw').create();
    expect(() => raw.putSync('s', 'not bytes' as never, new Uint8Array([1]))).toThrow(code('ENCODING'));
    expect(() => raw.putSync('s', new Uint8Array([1]), 'not bytes' as never)).toThrow(code('ENCODING'));
    intact();
  });

  it('operations after the env is closed are STORAGE (and promises reject)', async () => {
    const { env, db } = setup();
    await env.close();
    expect(() => db.get('s', 'keep')).toThrow(code('STORAGE'));
    expect(() => db.putSync('s', 'k', 1)).toThrow(code('STORAGE'));
    await expect(db.put('s', 'k', 1)).rejects.toEqual(code('STORAGE'));
  });

  it('an LMDB error raised while iterating a range is STORAGE', async () => {
    const { env, db } = setup();
    const range = db.getRange('s');
    const keys = db.getKeys(null);
    await env.close();
    expect(() => [...range]).toThrow(code('STORAGE'));
    expect(() => Array.from(keys)).toThrow(code('STORAGE'));
  });

  it('the callback’s own error passes through transactionSync and transaction unchanged', async () => {
    const { db, intact } = setup();
    const mine = new Error('mine');
    expect(() =>
      db.transactionSync(() => {
        throw mine;
      }),
    ).toThrow(mine);
    await expect(
      db.transaction(() => {
        throw mine;
      }),
    ).rejects.toBe(mine);
    intact();
  });

  it('a failing write inside transactionSync rolls back the earlier writes of the transaction', () => {
    const { db, intact } = setup();
    const tx = (body: (d: ScopedDatabase<string, unknown>) => void) => () => db.transactionSync(() => body(db));
    expect(
      tx((d) => {
        d.putSync('s', 'first', 1);
        d.putSync('s', 'x'.repeat(MAX_KEY_BYTES + 1), 2);
      }),
    ).toThrow(code('KEY_TOO_LARGE'));
    expect(db.get('s', 'first')).toBeUndefined();
    intact();
  });
});

describe('bad input: transactions and key codecs', () => {
  it('transaction(fn) inside transactionSync joins it: it resolves, and its writes commit or roll back with it', async () => {
    const { db, intact } = setup();
    let joined: Promise<number> | undefined;
    db.transactionSync(() => {
      joined = db.transaction(() => {
        db.putSync('s', 'joined', 1);
        return 7;
      });
    });
    expect(await joined).toBe(7);
    expect(db.get('s', 'joined')).toBe(1);
    let rolledBack: Promise<number> | undefined;
    expect(() =>
      db.transactionSync(() => {
        rolledBack = db.transaction(() => {
          db.putSync('s', 'gone', 1);
          return 8;
        });
        throw new Error('abort the outer transaction');
      }),
    ).toThrow('abort the outer transaction');
    expect(await rolledBack).toBe(8);
    expect(db.get('s', 'gone')).toBeUndefined();
    db.removeSync('s', 'joined');
    intact();
  });

  it('transaction(42) and transactionSync(42) are INVALID_INPUT', async () => {
    const { db, intact } = setup();
    await expect(db.transaction(42 as never)).rejects.toEqual(code('INVALID_INPUT'));
    expect(() => db.transactionSync(42 as never)).toThrow(code('INVALID_INPUT'));
    intact();
  });

  // B86: lmdb-js would keep the write transaction open until the promise settles, and the
  // next write of the process would wait for ever.
  it('transactionSync with a callback that returns a promise is INVALID_INPUT and rolls back', async () => {
    const { env, db, intact } = setup();
    let late = false;
    const call = () =>
      db.transactionSync(async () => {
        db.putSync('s', 'inside', 1);
        await null;
        late = true;
      });
    expect(call).toThrow(code('INVALID_INPUT'));
    expect(call).toThrow(/transactionSync on "bad": the callback returned a promise.*transaction\(fn\)/);
    expect(db.get('s', 'inside')).toBeUndefined();
    expect(await db.put('s', 'queued', 2)).toBe(true);
    db.removeSync('s', 'queued');
    intact();
    await new Promise((resolve) => setImmediate(resolve));
    expect(late).toBe(true);
    const closed = Promise.race([env.close().then(() => 'closed'), new Promise((r) => setTimeout(r, 2000, 'still open'))]);
    expect(await closed).toBe('closed');
  });

  it('an encodeInto result outside what is possible is ENCODING, and nothing is written', async () => {
    const { env, intact } = setup();
    const wrongEnds: Record<string, (offset: number, written: number) => number> = {
      'one before the offset': (offset) => offset - 1,
      NaN: () => Number.NaN,
      'a fraction': (offset, written) => offset + written - 0.5,
      negative: () => -5,
      'a string': () => '12' as unknown as number,
    };
    for (const [label, end] of Object.entries(wrongEnds)) {
      const key: Codec<string> = {
        name: `bad-end-${label}`,
        encode: (value) => new TextEncoder().encode(value),
        decode: (bytes) => new TextDecoder().decode(bytes),
        encodeInto(value, target, offset) {
          const { written } = new TextEncoder().encodeInto(value, target.subarray(offset));
          return end(offset, written);
        },
      };
      const db = scopedDatabaseOptions(env)
        .types(key, codecs.json())
        .name(`bad-end-${label.replace(/\W/g, '')}`)
        .create();
      expect(() => db.putSync('s', 'key', 1), label).toThrow(code('ENCODING'));
      await expect(db.put('s', 'key', 1), label).rejects.toEqual(code('ENCODING'));
      expect(() => db.get('s', 'key'), label).toThrow(code('ENCODING'));
      expect(db.getCount('s'), label).toBe(0);
    }
    intact();
  });
});

describe('error messages', () => {
  it('show a string limit as a string, print no undefined issues, and tell "(default)" from the default scope', () => {
    const { db } = setup();
    let error: unknown;
    try {
      db.getKeys('s', { limit: '5' as never });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('got "5"') });
    expect(Object.keys(error as object)).not.toContain('issues');
    expect('issues' in (error as object)).toBe(false);
    const broken: Codec<number> = {
      name: 'broken',
      encode: () => new Uint8Array([1]),
      decode: () => {
        throw new Error('no');
      },
    };
    const other = scopedDatabaseOptions(tempEnv()).types(codecs.string(), broken).name('scopes').create();
    other.putSync('(default)', 'k', 1);
    other.putSync(null, 'k', 1);
    expect(() => other.get('(default)', 'k')).toThrow(expect.objectContaining({ message: expect.stringContaining('scope "(default)"') }));
    expect(() => other.get(null, 'k')).toThrow(expect.objectContaining({ message: expect.stringContaining('the default scope') }));
    const binary = scopedDatabaseOptions(tempEnv()).types(codecs.bytes(), broken).name('hex').create();
    binary.putSync('s', new Uint8Array([0, 0xff]), 1);
    expect(() => binary.get('s', new Uint8Array([0, 0xff]))).toThrow(
      expect.objectContaining({ message: expect.stringContaining('key 0x00ff') }),
    );
  });
});

describe('errors across copies of the package', () => {
  it('recognises a ScopedDbError made by another copy, by its brand', () => {
    const foreign = Object.assign(new Error('from another copy'), {
      name: 'ScopedDbError',
      code: 'VALIDATION',
      issues: [{ message: 'bad' }],
      [Symbol.for('@scoped-lmdb/core/ScopedDbError')]: true,
    });
    expect(foreign instanceof ScopedDbError).toBe(true);
    expect(isScopedDbError(foreign, 'VALIDATION')).toBe(true);
    expect(new Error('plain') instanceof ScopedDbError).toBe(false);
    // Passed through by a codec wrapper instead of being turned into ENCODING.
    const codec: Codec<number> = {
      name: 'foreign-validation',
      encode: () => {
        throw foreign;
      },
      decode: () => 0,
    };
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), codec).name('foreign').create();
    expect(() => db.putSync('s', 'k', 1)).toThrow(expect.objectContaining({ code: 'VALIDATION', issues: [{ message: 'bad' }] }));
  });
});
