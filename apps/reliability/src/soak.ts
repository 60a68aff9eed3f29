/**
 * Soak test: every operation of a scoped database, mixed at random across many scopes,
 * checked against an in-memory model after each step. Prints ops/s and RSS every few
 * seconds; exits non-zero on the first divergence.
 *
 *   npm run soak -- --seconds 600 [--scopes 1000] [--report 5] [--seed 42] [--dir /tmp/x]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { codecs, isScopedDbError, type RangeOptions, type ScopedDatabase, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { open } from 'lmdb';

export interface SoakOptions {
  seconds: number;
  scopes: number;
  reportEvery: number;
  seed: number;
  dir?: string;
  log?: (line: string) => void;
}

export interface SoakResult {
  ops: number;
  opsByKind: Record<string, number>;
  seconds: number;
  peakRssMb: number;
  checks: number;
}

type Db = ScopedDatabase<string, unknown>;
type Model = Map<string, number>;

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed with --seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Divergence extends Error {}

function same(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Divergence(`${what}: got ${a}, the model says ${e}`);
}

/** lmdb-js range semantics over the model (string keys compare like their UTF-8 bytes here: ASCII only). */
function modelRange(model: Model, o: RangeOptions<string>): [string, number][] {
  const sorted = [...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const { start, end } = o;
  const keep = ([k]: [string, number]) =>
    o.reverse
      ? !(start !== undefined && (o.exclusiveStart ? k >= start : k > start)) &&
        !(end !== undefined && (o.inclusiveEnd ? k < end : k <= end))
      : !(start !== undefined && (o.exclusiveStart ? k <= start : k < start)) &&
        !(end !== undefined && (o.inclusiveEnd ? k > end : k >= end));
  const picked = (o.reverse ? sorted.reverse() : sorted).filter(keep);
  const offset = o.offset ?? 0;
  return picked.slice(offset, o.limit === undefined ? undefined : offset + o.limit);
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const rand = random(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const int = (n: number) => Math.floor(rand() * n);

  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'scoped-lmdb-soak-'));
  const env = open({ path: dir, maxDbs: 16 });
  const registry = GlobalScopeRegistry.open(env);
  const db: Db = scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json<unknown>()).name('soak').create();

  const scopeNames: (string | null)[] = [null, ...Array.from({ length: options.scopes - 1 }, (_, i) => `tenant-${i}`)];
  const models = new Map<string | null, Model>(scopeNames.map((s) => [s, new Map()]));
  const modelOf = (scope: string | null) => models.get(scope) as Model;
  // A small key space per scope, so puts overwrite and removes hit.
  const key = () => `k${String(int(40)).padStart(2, '0')}`;
  const rangeOptions = (): RangeOptions<string> => {
    const o: RangeOptions<string> = {};
    if (rand() < 0.5) o.start = key();
    if (rand() < 0.5) o.end = key();
    if (rand() < 0.3) o.reverse = true;
    if (rand() < 0.2) o.inclusiveEnd = true;
    if (rand() < 0.2) o.exclusiveStart = true;
    if (rand() < 0.3) o.limit = int(10);
    if (rand() < 0.2) o.offset = int(5);
    return o;
  };

  const opsByKind: Record<string, number> = {};
  let ops = 0;
  let checks = 0;
  let peakRss = 0;
  let value = 0;
  const started = Date.now();
  let lastReport = started;
  let opsAtLastReport = 0;

  const step = async (): Promise<string> => {
    const scope = rand() < 0.05 ? null : pick(scopeNames);
    const model = modelOf(scope);
    const roll = rand();
    if (roll < 0.2) {
      const k = key();
      const v = ++value;
      same(db.putSync(scope, k, v), true, `putSync ${scope} ${k}`);
      model.set(k, v);
      return 'putSync';
    }
    if (roll < 0.35) {
      const k = key();
      const v = ++value;
      same(await db.put(scope, k, v), true, `put ${scope} ${k}`);
      model.set(k, v);
      return 'put';
    }
    if (roll < 0.42) {
      const k = key();
      same(db.removeSync(scope, k), model.delete(k), `removeSync ${scope} ${k}`);
      return 'removeSync';
    }
    if (roll < 0.47) {
      const k = key();
      same(await db.remove(scope, k), model.delete(k), `remove ${scope} ${k}`);
      return 'remove';
    }
    if (roll < 0.6) {
      const k = key();
      same(db.get(scope, k), model.get(k), `get ${scope} ${k}`);
      same(db.doesExist(scope, k), model.has(k), `doesExist ${scope} ${k}`);
      return 'get';
    }
    if (roll < 0.64) {
      const keys = Array.from({ length: 1 + int(5) }, key);
      same(
        await db.getMany(scope, keys),
        keys.map((k) => model.get(k)),
        `getMany ${scope}`,
      );
      return 'getMany';
    }
    if (roll < 0.76) {
      const o = rangeOptions();
      const expected = modelRange(model, o);
      same(
        [...db.getRange(scope, o)].map(({ key: k, value: v }) => [k, v]),
        expected,
        `getRange ${scope} ${JSON.stringify(o)}`,
      );
      same(db.getCount(scope, o), expected.length, `getCount ${scope} ${JSON.stringify(o)}`);
      return 'range';
    }
    if (roll < 0.8) {
      same(db.scope(scope).isEmpty(), model.size === 0, `isEmpty ${scope}`);
      return 'isEmpty';
    }
    if (roll < 0.81) {
      same(db.clearSync(scope), model.size, `clearSync ${scope}`);
      model.clear();
      return 'clearSync';
    }
    if (roll < 0.82) {
      same(await db.clearAsync(scope), model.size, `clearAsync ${scope}`);
      model.clear();
      return 'clearAsync';
    }
    if (roll < 0.9) {
      // Several scopes in one transaction: all or nothing. Half of them are made to fail.
      const writes = Array.from({ length: 2 + int(4) }, () => ({ scope: pick(scopeNames), k: key(), v: ++value }));
      const fail = rand() < 0.5;
      try {
        db.transactionSync(() => {
          for (const w of writes) db.putSync(w.scope, w.k, w.v);
          if (fail) db.putSync(null, '', 0); // an empty key in the default scope: INVALID_INPUT
        });
        if (fail) throw new Divergence('a transaction with an empty key committed');
      } catch (error) {
        if (!fail || !isScopedDbError(error, 'INVALID_INPUT')) throw error;
      }
      if (!fail) for (const w of writes) modelOf(w.scope).set(w.k, w.v);
      return fail ? 'transactionSync-rolledBack' : 'transactionSync';
    }
    if (roll < 0.95) {
      const writes = Array.from({ length: 1 + int(4) }, () => ({ scope: pick(scopeNames), k: key(), v: ++value }));
      await db.transaction(() => {
        for (const w of writes) db.putSync(w.scope, w.k, w.v);
      });
      for (const w of writes) modelOf(w.scope).set(w.k, w.v);
      return 'transaction';
    }
    if (roll < 0.999) {
      // Scope-wide checks on one scope: the whole content, in order.
      same([...db.getKeys(scope)], [...model.keys()].sort(), `getKeys ${scope}`);
      checks++;
      return 'scan';
    }
    // Rarely: every scope at once, through the registry.
    const withData = scopeNames.filter((s) => modelOf(s).size > 0).map((s) => s ?? '(default)');
    same(db.listScopes().map(String).sort(), withData.sort(), 'listScopes');
    for (const empty of db.findEmptyScopes()) same(modelOf(empty.name).size, 0, `findEmptyScopes ${empty}`);
    checks++;
    return 'listScopes';
  };

  try {
    const deadline = started + options.seconds * 1000;
    while (Date.now() < deadline) {
      const kind = await step();
      opsByKind[kind] = (opsByKind[kind] ?? 0) + 1;
      ops++;
      const now = Date.now();
      if (now - lastReport >= options.reportEvery * 1000) {
        const rss = process.memoryUsage().rss / 2 ** 20;
        peakRss = Math.max(peakRss, rss);
        const rate = Math.round(((ops - opsAtLastReport) * 1000) / (now - lastReport));
        log(`${((now - started) / 1000).toFixed(0)}s  ${rate} ops/s  rss ${rss.toFixed(0)} MB  total ${ops} ops`);
        lastReport = now;
        opsAtLastReport = ops;
      }
    }
    // Final full comparison, every scope.
    for (const scope of scopeNames) {
      const model = modelOf(scope);
      same(
        [...db.getRange(scope)].map(({ key: k, value: v }) => [k, v]),
        [...model].sort(([a], [b]) => (a < b ? -1 : 1)),
        `final ${scope}`,
      );
    }
    checks++;
    peakRss = Math.max(peakRss, process.memoryUsage().rss / 2 ** 20);
    return { ops, opsByKind, seconds: (Date.now() - started) / 1000, peakRssMb: Math.round(peakRss), checks };
  } finally {
    await env.close();
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      scopes: { type: 'string', default: '1000' },
      report: { type: 'string', default: '5' },
      seed: { type: 'string' },
      dir: { type: 'string' },
    },
  });
  const seconds = Number(values.seconds);
  const scopes = Number(values.scopes);
  const reportEvery = Number(values.report);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!(seconds > 0) || !Number.isInteger(scopes) || scopes < 1 || !(reportEvery > 0) || !Number.isInteger(seed)) {
    console.error('usage: soak --seconds <n> [--scopes <n>] [--report <seconds>] [--seed <int>] [--dir <path>]');
    process.exit(2);
  }
  console.log(`soak: ${seconds}s, ${scopes} scopes, seed ${seed}`);
  try {
    const result = await runSoak({ seconds, scopes, reportEvery, seed, ...(values.dir ? { dir: values.dir } : {}) });
    console.log(
      `ok: ${result.ops} ops in ${result.seconds.toFixed(1)}s (${Math.round(result.ops / result.seconds)} ops/s), peak rss ${result.peakRssMb} MB`,
    );
    console.log(JSON.stringify(result.opsByKind));
  } catch (error) {
    console.error(`FAILED (seed ${seed}):`, error);
    process.exit(1);
  }
}
