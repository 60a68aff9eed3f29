/**
 * `byteSnapshots` (core/internal, for @scoped-lmdb/level): a snapshot of one named scope whose
 * range reads hand out keys (without the scope's id) and values as fresh Node Buffers, read
 * straight from lmdb-js's reused buffers. They must be copies, stay inside the scope, see the
 * snapshot's data only, and exist only for LMDB databases with plain byte keys and values.
 */
import { describe, expect, it } from 'vitest';
import { codecs, Scope, scopedDatabaseOptions } from '../src/index.js';
import { type ByteSnapshot, byteSnapshots } from '../src/internal.js';
import { edgeScopeNames, tempEnv } from './helpers.js';

const bytes = (text: string) => Buffer.from(text);
const texts = (items: Iterable<Uint8Array>) => Array.from(items, (item) => Buffer.from(item).toString());

/** A byte snapshot of `scope`, which `db` must offer. */
function snapshotOf(db: unknown, scope: Scope): ByteSnapshot {
  const snapshots = byteSnapshots(db, scope);
  if (snapshots === undefined) throw new Error('no byte snapshots');
  return snapshots();
}

function setup() {
  const env = tempEnv();
  const db = scopedDatabaseOptions(env).rawBytes().name('level').create();
  return { env, db };
}

describe('byteSnapshots', () => {
  it('reads entries and keys of the scope only, as Buffers without the id, forward and reverse', () => {
    const { db } = setup();
    const scope = Scope.named(edgeScopeNames.endsWithFF);
    for (const key of ['a', 'b', 'c']) db.putSync(scope, bytes(key), bytes(`value of ${key}`));
    db.putSync(null, bytes('b'), bytes('default'));
    db.putSync('other', bytes('b'), bytes('other'));
    db.putSync(scope, new Uint8Array(0), bytes('empty key'));
    const snapshot = snapshotOf(db, scope);
    const entries = snapshot.bufferEntries().asArray;
    expect(entries.map(({ key, value }) => [key.toString(), value.toString()])).toEqual([
      ['', 'empty key'],
      ['a', 'value of a'],
      ['b', 'value of b'],
      ['c', 'value of c'],
    ]);
    expect(entries.every(({ key, value }) => Buffer.isBuffer(key) && Buffer.isBuffer(value))).toBe(true);
    expect(texts(snapshot.bufferKeys({ reverse: true }))).toEqual(['c', 'b', 'a', '']);
    expect(texts(snapshot.bufferKeys({ start: bytes('a'), end: bytes('c') }))).toEqual(['a', 'b']);
    expect(texts(snapshot.bufferKeys({ start: bytes('c'), reverse: true, exclusiveStart: true }))).toEqual(['b', 'a', '']);
    snapshot.done();
  });

  it('hands out copies, short and long, that later reads leave as they were', () => {
    const { db } = setup();
    const longKey = Buffer.alloc(200, 0x6b);
    const longValue = Buffer.alloc(20_000, 0x76);
    db.putSync('t', longKey, longValue);
    db.putSync('t', bytes('s'), bytes('short'));
    const snapshot = snapshotOf(db, Scope.named('t'));
    const [first, second] = snapshot.bufferEntries().asArray;
    const again = snapshot.bufferEntries({ reverse: true }).asArray;
    expect(first?.key.equals(longKey)).toBe(true);
    expect(first?.value.equals(longValue)).toBe(true);
    expect([second?.key.toString(), second?.value.toString()]).toEqual(['s', 'short']);
    expect(again.map(({ key }) => key.length)).toEqual([1, 200]);
    snapshot.done();
  });

  it('sees the data as of the snapshot, and refuses reads once done', () => {
    const { db } = setup();
    db.putSync('t', bytes('a'), bytes('1'));
    const snapshot = snapshotOf(db, Scope.named('t'));
    db.putSync('t', bytes('b'), bytes('2'));
    db.removeSync('t', bytes('a'));
    expect(texts(snapshot.bufferKeys())).toEqual(['a']);
    expect(texts(db.getKeys('t'))).toEqual(['b']);
    const walk = snapshot.bufferKeys();
    snapshot.done();
    expect(snapshot.isDone).toBe(true);
    expect(() => snapshot.bufferEntries()).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => [...walk]).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('exists only for LMDB databases with plain byte keys and values, and named scopes', () => {
    const { env, db } = setup();
    const typedBytes = scopedDatabaseOptions(env).types(codecs.bytes(), codecs.bytes()).name('typed').create();
    const strings = scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('strings').create();
    expect(byteSnapshots(typedBytes, Scope.named('t'))).toBeTypeOf('function');
    expect(byteSnapshots(strings, Scope.named('t'))).toBeUndefined();
    expect(byteSnapshots(db, Scope.DEFAULT)).toBeUndefined();
    expect(byteSnapshots({}, Scope.named('t'))).toBeUndefined();
  });
});
