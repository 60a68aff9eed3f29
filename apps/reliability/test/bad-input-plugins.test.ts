import { standardSchemaCodec, zodCodec } from '@scoped-lmdb/codec-zod';
import { codecs, keyFormat, type ScopedDatabase, ScopedDbError, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { caught, scopedError, tempEnv } from './helpers.js';

/** Catalogue cases B40–B45 (docs/errors.md): the ones that need the registry or a schema codec. */

async function expectCode(code: string, bad: () => unknown): Promise<ScopedDbError> {
  const error = await caught(bad);
  expect(error).toBeInstanceOf(ScopedDbError);
  expect(error).toEqual(scopedError(code));
  return error as ScopedDbError;
}

describe('bad input catalogue: registry', () => {
  const setup = () => {
    const env = tempEnv();
    const registry = GlobalScopeRegistry.open(env);
    const db = scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json<unknown>()).name('reg').create();
    db.putSync('tenant', 'keep', 1);
    // Another name recorded under the id of 'victim': what a real xxh64 collision would look like.
    const table = env.openDB('__global_scope_metadata', { keyEncoding: 'binary', encoding: 'binary' });
    table.putSync(keyFormat.bounds('victim').start, Buffer.from('someone-else'));
    return { registry, db, table };
  };
  const intact = (db: ScopedDatabase<string, unknown>) => {
    expect(db.get('tenant', 'keep')).toBe(1);
    db.putSync('tenant', 'after', 2);
    expect(db.get('tenant', 'after')).toBe(2);
  };

  it('B40 a write to a scope whose first-life id the registry holds under another name goes to another id', async () => {
    const { registry, db, table } = setup();
    db.putSync('victim', 'k', 1);
    expect(await db.put('victim', 'k2', 2)).toBe(true);
    // API.md v2: collisions are resolved, not only detected.
    expect(registry.idOf('victim')).not.toBe(keyFormat.decode(keyFormat.bounds('victim').start).hash);
    expect([...db.getKeys('victim')]).toEqual(['k', 'k2']);
    expect(Buffer.from(table.getBinary(keyFormat.bounds('victim').start) as Uint8Array).toString()).toBe('someone-else');
    intact(db);
  });

  it('B41 registering that scope directly gives it another id; the other name keeps its entry', async () => {
    const { registry, db, table } = setup();
    registry.registerScope('victim');
    expect(registry.scopeExists('victim')).toBe(true);
    const id = keyFormat.bounds('victim').start;
    expect(Buffer.from(table.getBinary(id) as Uint8Array).toString()).toBe('someone-else');
    // Its name does not hash to its id, so no listing names it (a record the library did not write).
    expect(registry.getScopeName(keyFormat.decode(id).hash as bigint)).toBeUndefined();
    intact(db);
  });
});

describe('bad input catalogue: schema codecs', () => {
  const User = z.object({ name: z.string(), age: z.number().int().min(0) });

  it('B42 a value the zod schema rejects is VALIDATION with the issues; nothing is written', async () => {
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), zodCodec(User)).name('users').create();
    db.putSync('t', 'ok', { name: 'a', age: 1 });
    const error = await expectCode('VALIDATION', () => db.putSync('t', 'ok', { name: 'b', age: -1 }));
    expect(error.issues?.length).toBeGreaterThan(0);
    await expect(db.put('t', 'new', { name: 3 } as never)).rejects.toEqual(scopedError('VALIDATION'));
    expect(db.get('t', 'ok')).toEqual({ name: 'a', age: 1 });
    expect(db.doesExist('t', 'new')).toBe(false);
  });

  it('B43 a stored value that no longer fits the schema is VALIDATION with validateOnRead', async () => {
    const env = tempEnv();
    const loose = scopedDatabaseOptions(env)
      .types(codecs.string(), zodCodec(z.unknown(), { validateOnRead: true }))
      .name('users');
    loose.create().putSync('t', 'old', { name: 'a' });
    loose.create().putSync('t', 'fine', { name: 'b', age: 2 });
    // Same codec name ("zod(json)"), stricter schema: the old entry fails on read only.
    const strict = scopedDatabaseOptions(env)
      .types(codecs.string(), zodCodec(User, { validateOnRead: true }))
      .name('users')
      .create();
    await expectCode('VALIDATION', () => strict.get('t', 'old'));
    expect(strict.get('t', 'fine')).toEqual({ name: 'b', age: 2 });
  });

  it('B44 a Standard Schema validator that returns a Promise is INVALID_INPUT (LMDB writes are sync)', async () => {
    const asyncSchema = v.pipeAsync(
      v.string(),
      v.checkAsync(async (s) => s.length > 0),
    );
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), standardSchemaCodec(asyncSchema)).name('async').create();
    await expectCode('INVALID_INPUT', () => db.putSync('t', 'k', 'value'));
    expect(db.doesExist('t', 'k')).toBe(false);
  });

  it('B45 a value a valibot schema rejects is VALIDATION', async () => {
    const schema = v.object({ n: v.pipe(v.number(), v.minValue(1)) });
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), standardSchemaCodec(schema)).name('vb').create();
    db.putSync('t', 'ok', { n: 2 });
    const error = await expectCode('VALIDATION', () => db.putSync('t', 'ok', { n: 0 }));
    expect(error.issues?.length).toBeGreaterThan(0);
    expect(db.get('t', 'ok')).toEqual({ n: 2 });
  });
});
