/** Runs the real `scoped-lmdb` binary (bin/scoped-lmdb.js, on the TypeScript sources) as a child process. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/scoped-lmdb.js', import.meta.url));
/** The node arguments that run the binary on the sources, as the tests do (no build needed). */
// tsx by file URL: the child may run in any directory (the README session runs in a temp one).
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
export const NODE_ARGS = ['--conditions=@scoped-lmdb/source', '--import', TSX, BIN];

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws when it is not). */
  json<T = unknown>(): T;
}

/** Runs the binary with `args`; `input` goes to its stdin (a pipe: not a terminal). */
export function cli(
  args: readonly string[],
  input?: string | Buffer,
  cwd = fileURLToPath(new URL('../..', import.meta.url)),
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (status) => {
      const stdout = Buffer.concat(out).toString('utf8');
      resolve({ status, stdout, stderr: Buffer.concat(err).toString('utf8'), json: () => JSON.parse(stdout) });
    });
    child.stdin.end(input ?? '');
  });
}

/** Runs the binary and returns its raw stdout bytes (for dumps written to `-`). */
export function cliBytes(args: readonly string[]): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out), stderr }));
    child.stdin.end();
  });
}

/** A digest of an env directory's files (its lock file aside: readers write their slot there). */
export function digest(dir: string): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).sort()) if (file !== 'lock.mdb') hash.update(file).update(readFileSync(join(dir, file)));
  return hash.digest('hex');
}
