// Several writers on one environment, each in its own scope: worker threads, then processes.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { open } from 'lmdb';
import { heading, openExampleEnv } from './shared.js';

interface Job {
  path: string;
  scope: string;
  count: number;
}

const WRITERS = 4;
const self = fileURLToPath(import.meta.url);
// Workers and children run this same TypeScript file, so they need TypeScript loading too:
// children through tsx's loader flag, workers through tsx's register API (Node 20 workers
// do not take `--import`).
const loaderArgs = ['--conditions=@scoped-lmdb/source', '--import', 'tsx'];
const workerBootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;

/** One writer: `count` entries in its own scope, in batches of one transaction each. */
async function write({ path, scope, count }: Job): Promise<void> {
  const env = open({ path, maxDbs: 32 });
  const db = scopedDatabaseOptions(env).types(codecs.key(), codecs.json<{ writer: string; n: number }>()).name('events').create();
  for (let start = 0; start < count; start += 500) {
    db.transactionSync(() => {
      for (let n = start; n < Math.min(count, start + 500); n++) db.putSync(scope, n, { writer: scope, n });
    });
  }
  await db.put(scope, 'last', { writer: scope, n: count });
  await env.close();
}

function check(path: string, scopes: string[], count: number): boolean {
  const env = open({ path, maxDbs: 32 });
  const db = scopedDatabaseOptions(env).types(codecs.key(), codecs.json<{ writer: string; n: number }>()).name('events').create();
  let ok = true;
  for (const scope of scopes) {
    const entries = [...db.getRange(scope, { end: 'last' })];
    const complete = entries.length === count && entries.every(({ key, value }, i) => key === i && value.n === i && value.writer === scope);
    console.log(`${scope}: ${entries.length} of ${count} entries ${complete ? 'present, in order' : 'MISSING OR WRONG'}`);
    ok &&= complete && db.get(scope, 'last')?.n === count;
  }
  void env.close();
  return ok;
}

if (!isMainThread) {
  await write(workerData as Job);
  parentPort?.postMessage('done');
} else if (process.send) {
  // A child process: its job arrives as the first message.
  process.once('message', async (job: Job) => {
    await write(job);
    process.send?.('done', () => process.exit(0));
  });
} else {
  const { path, quick, close } = openExampleEnv('parallel-processing');
  const count = quick ? 2_000 : 20_000;

  heading(`${WRITERS} worker threads, ${count} entries each, one environment`);
  let started = performance.now();
  const threadScopes = Array.from({ length: WRITERS }, (_, i) => `thread-${i}`);
  await Promise.all(
    threadScopes.map(
      (scope) =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(workerBootstrap, {
            eval: true,
            workerData: { path, scope, count } satisfies Job,
            execArgv: ['--conditions=@scoped-lmdb/source'],
          });
          worker.once('message', () => resolve());
          worker.once('error', reject);
        }),
    ),
  );
  console.log(`written in ${(performance.now() - started).toFixed(0)} ms`);
  const threadsOk = check(path, threadScopes, count);

  heading(`${WRITERS} processes, ${count} entries each, the same environment`);
  started = performance.now();
  const processScopes = Array.from({ length: WRITERS }, (_, i) => `process-${i}`);
  await Promise.all(
    processScopes.map(
      (scope) =>
        new Promise<void>((resolve, reject) => {
          const child = fork(self, [], { execArgv: loaderArgs, stdio: 'inherit' });
          child.once('message', () => resolve());
          child.once('error', reject);
          child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${scope} exited with ${code}`))));
          child.send({ path, scope, count } satisfies Job);
        }),
    ),
  );
  console.log(`written in ${(performance.now() - started).toFixed(0)} ms`);
  const processesOk = check(path, processScopes, count);

  await close();
  if (!threadsOk || !processesOk) {
    console.error('some writes are missing');
    process.exit(1);
  }
  console.log('\nevery write of every writer is there: done');
}
