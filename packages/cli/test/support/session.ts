/**
 * The session the README shows, run for real: the fixture env at ./shop in a fresh directory,
 * then the commands below through the binary. readme.test.ts runs it again and compares it with
 * the README (durations aside); run this file directly to print a fresh capture.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLmdbEnv } from './fixtures.js';
import { cli } from './run.js';

export const SESSION: readonly string[][] = [
  ['databases', './shop'],
  ['scopes', './shop'],
  ['scopes', './shop', '--sort', 'entries', '--limit', '2'],
  ['stats', './shop', 'acme'],
  ['get', './shop', 'users', 'acme', 'u1'],
  ['scan', './shop', 'events', 'acme', '--reverse', '--limit', '3'],
  ['get', './shop', 'events', 'acme', '[2026,1]', '--json'],
  ['export', './shop', 'acme', '-o', 'acme.dump'],
  ['import', './shop', 'acme-restored', 'acme.dump'],
  ['cp', './shop', 'acme', 'acme-staging'],
  ['drop', './shop', 'acme-staging'],
  ['drop', './shop', 'acme-staging', '--yes'],
  ['prune', './shop', '--dry-run'],
  ['stats', './shop', 'nobody'],
];

const quote = (arg: string) => (/^[\w./@:=-]+$/.test(arg) ? arg : `'${arg}'`);

/** Runs the session; returns it as console text: each command after `$ `, then what it printed (stdout, then stderr). */
export async function recordSession(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'scoped-cli-session-'));
  try {
    await buildLmdbEnv(join(dir, 'shop'));
    const parts: string[] = [];
    for (const args of SESSION) {
      const run = await cli(args, undefined, dir);
      parts.push(`$ scoped-lmdb ${args.map(quote).join(' ')}\n${run.stdout}${run.stderr}`.trimEnd());
    }
    return `${parts.join('\n\n')}\n`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) {
  process.stdout.write(await recordSession());
}
