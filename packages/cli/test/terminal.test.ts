// The binary on a real terminal: tmux runs it in a pane, the test reads the pane as a person would.
// Progress bars must render (bar, count, rate, ETA) and end cleanly; a confirmation prompt must
// take a keypress. Each test runs its own tmux server (-L), stopped with kill-server on that socket.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_ARGS } from './support/run.js';

const ENTRIES = 400_000;
const socket = `scoped-cli-test-${process.pid}`;
let path: string;
const work = mkdtempSync(join(tmpdir(), 'scoped-cli-tty-'));

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

beforeAll(async () => {
  path = mkdtempSync(join(tmpdir(), 'scoped-cli-tty-env-'));
  const env = open({ path, maxDbs: 10 });
  const db = scopedDatabaseOptions(env, { registry: GlobalScopeRegistry.open(env) })
    .types(codecs.string(), codecs.string())
    .name('items')
    .create();
  env.transactionSync(() => {
    for (let i = 0; i < ENTRIES; i++) db.putSync('big', `k${String(i).padStart(7, '0')}`, 'v'.repeat(20));
  });
  await env.close();
}, 60_000);

afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // no server left
  }
  rmSync(path, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** Starts the binary in a fresh 120x30 pane; the pane prints EXIT=<code> when it ends. */
function start(name: string, args: string[]): void {
  const command = [process.execPath, ...NODE_ARGS, ...args].map(shellQuote).join(' ');
  // CI unset: @clack/prompts draws differently on CI; this is a person's terminal.
  tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '30', `env -u CI ${command}; echo EXIT=$?; sleep 60`);
}

const screen = (name: string) => tmux('capture-pane', '-p', '-t', name);

/** Reads the pane every 30 ms until `done` matches; returns every distinct screen seen. */
async function watch(name: string, done: RegExp, timeoutMs = 60_000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = screen(name);
    if (seen.at(-1) !== now) seen.push(now);
    if (done.test(now)) return seen;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${done}; the pane shows:\n${now}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

describe('progress on a terminal', () => {
  it('export and import draw a bar with count, rate and ETA, and end with one summary line', async () => {
    const file = join(work, 'big.dump');
    for (const [label, args] of [
      ['export', ['export', path, 'big', '-o', file]],
      ['import', ['import', path, 'big-copy', file]],
    ] as const) {
      start(label, [...args]);
      const screens = await watch(label, /EXIT=\d+/);
      const bar = new RegExp(`━{10,} ${label} [\\d,]+/400,000 entries · [\\d,]+/s · ETA (\\d+s|\\d+m\\d+s|\\?)`);
      expect(
        screens.some((s) => bar.test(s)),
        `no bar among ${screens.length} screens:\n${screens.join('\n---\n')}`,
      ).toBe(true);
      const last = lines(screens.at(-1) as string);
      expect(last.at(-1)).toBe('EXIT=0');
      expect(last.at(-2)).toMatch(new RegExp(`^◇  ${label}: 400,000 entries in \\d+\\.\\ds \\(items:400,000\\)$`));
      // Ended cleanly: no bar left behind, nothing else on the screen.
      expect(last.filter((line) => line.includes('━') || line.includes('ETA'))).toEqual([]);
      expect(last).toHaveLength(2);
      tmux('kill-session', '-t', label);
    }
  }, 120_000);

  it('cp shows its bar, and drop asks, takes "y", then reclaims with a bar', async () => {
    start('cp', ['cp', path, 'big', 'big-2']);
    const copied = await watch('cp', /EXIT=\d+/);
    expect(copied.some((s) => /━{10,} copy [\d,]+\/400,000 entries · [\d,]+\/s · ETA/.test(s))).toBe(true);
    expect(lines(copied.at(-1) as string).slice(-2)).toEqual([expect.stringMatching(/^◇ {2}copy: 400,000 entries in/), 'EXIT=0']);
    tmux('kill-session', '-t', 'cp');

    start('drop', ['drop', path, 'big-2']);
    await watch('drop', /Drop scope "big-2" and all its data\?/);
    expect(screen('drop')).toMatch(/○ Yes \/ ● No/);
    tmux('send-keys', '-t', 'drop', 'y');
    const dropped = await watch('drop', /EXIT=\d+/);
    const last = lines(dropped.at(-1) as string);
    expect(last).toContain('dropped "big-2"');
    expect(last.slice(-2)).toEqual([expect.stringMatching(/^◇ {2}reclaim: 400,000 entries in/), 'EXIT=0']);
    tmux('kill-session', '-t', 'drop');

    start('keep', ['drop', path, 'big']);
    await watch('keep', /Drop scope "big" and all its data\?/);
    tmux('send-keys', '-t', 'keep', 'n');
    const kept = lines((await watch('keep', /EXIT=\d+/)).at(-1) as string);
    expect(kept.slice(-2)).toEqual(['scoped-lmdb: did not drop scope "big" and all its data: not confirmed', 'EXIT=1']);
    tmux('kill-session', '-t', 'keep');
  }, 120_000);
});
