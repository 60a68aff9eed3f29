import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { onCleanup } from './helpers.js';

export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** A child Node process running a TypeScript fixture from source; killed after the test if still alive. */
export function spawnFixture(name: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=@scoped-lmdb/source', '--import', 'tsx', fixture(name), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** Collects a child's output and resolves with it when the child exits. */
export function finished(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * A worker thread running a TypeScript fixture from source: the worker registers tsx itself
 * (a worker does not inherit the parent's loader hooks) and resolves workspace packages
 * through their `source` export condition.
 */
export function workerFixture(name: string, workerData: unknown): Worker {
  const url = new URL(`./fixtures/${name}`, import.meta.url).href;
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); })
    .catch((error) => { console.error(error); process.exit(1); });`;
  const worker = new Worker(code, { eval: true, workerData, execArgv: ['--conditions=@scoped-lmdb/source'] });
  onCleanup(async () => {
    await worker.terminate();
  });
  return worker;
}

/** Resolves when the worker has posted 'done' and exited cleanly. */
export function workerDone(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    worker.on('message', (message) => {
      if (message === 'done') done = true;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (done && code === 0 ? resolve() : reject(new Error(`worker exited with ${code} before finishing`))));
  });
}
