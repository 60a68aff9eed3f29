/**
 * abstract-level's own compliance suite (`abstract-level/test`, tape), in full, including its
 * automatic second pass on a sublevel, run twice on ScopedLevel:
 *   1. each database the suite asks for is a fresh scope of one scoped database, and every one
 *      of those scopes has an id ending in 0xFF;
 *   2. each is a fresh scoped database, on one scope whose id ends in 0xFFFF.
 * Neighbouring scopes hold data a loose bound would show. Prints tape's TAP, writes
 * `.tape-results.json` ({ passed, failed } assertions) for the CI summary, and exits 1 on any
 * failure. Run it with `npm run test:abstract-level` (part of `npm test`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codecs, type ScopedBytesDatabase, scopedDatabaseOptions } from '@scoped-lmdb/core';
import suite from 'abstract-level/test/index.js';
import { open } from 'lmdb';
import tape from 'tape';
import { ScopedLevel } from '../src/index.js';
import { endingInFF, endingInFFFF } from './support/edge-scopes.js';

const dir = mkdtempSync(join(tmpdir(), 'scoped-level-suite-'));
const env = open({ path: dir, maxDbs: 4_000 });
// A write-mapped env has no child transactions in lmdb-js: batches commit on their own there.
const mappedDir = mkdtempSync(join(tmpdir(), 'scoped-level-suite-mapped-'));
const mappedEnv = open({ path: mappedDir, maxDbs: 4, useWritemap: true });
const neighbourKey = Buffer.from('neighbour');

/** Data next to every scope the suite uses: in the default scope and in a scope that sorts just after. */
function withNeighbours(db: ScopedBytesDatabase, scope: string): void {
  db.putSync(null, neighbourKey, neighbourKey);
  db.putSync(`${scope}-next`, new Uint8Array(0), neighbourKey);
  db.putSync(`${scope}-next`, Buffer.from([0xff, 0xff]), neighbourKey);
}

const scopesFF = endingInFF(3_000);
const shared = scopedDatabaseOptions(env).rawBytes().name('suite-ff').create();
let usedFF = 0;
const mapped = scopedDatabaseOptions(mappedEnv).rawBytes().name('suite-ff').create();
let usedMapped = 0;
let databases = 0;
const scopeFFFF = endingInFFFF();

const harness = tape.createHarness();
let passed = 0;
let failed = 0;
harness.createStream().on('data', (line: string) => {
  process.stdout.write(line);
  if (/^ok \d+/.test(line)) passed++;
  else if (/^not ok \d+/.test(line)) failed++;
});

const run = (name: string, factory: (options?: object) => ScopedLevel<unknown, unknown>) =>
  suite({
    test: (title: string, ...rest: unknown[]) => (harness as unknown as (...a: unknown[]) => void)(`[${name}] ${title}`, ...rest),
    factory,
  });

run('scopes ending in ff', (options) => {
  const scope = scopesFF[usedFF++];
  if (scope === undefined) throw new Error('the suite asked for more databases than scope names were found');
  withNeighbours(shared, scope);
  return new ScopedLevel(shared, scope, options as never);
});

run('scope ending in ffff', (options) => {
  const db = scopedDatabaseOptions(env).types(codecs.bytes(), codecs.bytes()).name(`suite-ffff-${++databases}`).create();
  withNeighbours(db, scopeFFFF);
  return new ScopedLevel(db, scopeFFFF, options as never);
});

run('scopes ending in ff, useWritemap env', (options) => {
  const scope = scopesFF[usedMapped++];
  if (scope === undefined) throw new Error('the suite asked for more databases than scope names were found');
  withNeighbours(mapped, scope);
  return new ScopedLevel(mapped, scope, options as never);
});

harness.onFinish(async () => {
  const results = fileURLToPath(new URL('../.tape-results.json', import.meta.url));
  writeFileSync(results, `${JSON.stringify({ suite: 'abstract-level', passed, failed, skipped: 0 })}\n`);
  console.log(
    `abstract-level suite: ${passed} passed, ${failed} failed (${usedFF} scopes ending in ff, ${databases} databases on ${scopeFFFF}, ${usedMapped} scopes on a useWritemap env)`,
  );
  await env.close();
  await mappedEnv.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(mappedDir, { recursive: true, force: true });
  if (failed > 0 || passed === 0) process.exitCode = 1;
});
