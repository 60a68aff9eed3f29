#!/usr/bin/env node
// Why: `npm test` needs programs that npm cannot install: the Redis backend's tests start real redis-server
// processes, terminal tests drive tmux, and the studio's browser tests drive a headless chromium. On a fresh
// machine with only Node and npm they are missing, and every test that needs one would fail with its own stack
// trace. This script runs first (the root `pretest`,
// and .ci/run): it checks each program, installs what is missing with apt-get (as root, or through
// `sudo -n`), and otherwise stops at once with one line that says what to install.
// A new requirement is one more entry in REQUIREMENTS. `--check` only checks, never installs.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What the tests need: the commands that must be on the PATH, and the Debian packages that provide them. */
const REQUIREMENTS = [
  { commands: ['redis-server', 'redis-cli'], apt: ['redis-server', 'redis-tools'], neededBy: 'the Redis backend and its tests' },
  { commands: ['tmux'], apt: ['tmux'], neededBy: 'the terminal tests' },
  { commands: ['chromium'], apt: ['chromium'], neededBy: "the studio's browser tests" },
];

const checkOnly = process.argv.includes('--check');

function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}

const missingNow = () => REQUIREMENTS.filter((requirement) => !requirement.commands.every(onPath));

/** Ends the run with one line: what is missing, what it is for, and what to install. */
function fail(missing, reason) {
  const what = missing.map((r) => `${r.commands.join(', ')} (${r.neededBy})`).join('; ');
  const packages = missing.flatMap((r) => r.apt).join(' ');
  console.error(
    `provision: missing ${what}${reason ? `: ${reason}` : ''}. Install them (Debian/Ubuntu: apt-get install ${packages}) and run again.`,
  );
  process.exit(1);
}

/** How to run apt-get as root: directly, through passwordless sudo, or not at all. */
function asRoot() {
  if (process.getuid?.() === 0) return [];
  const sudo = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  return sudo.status === 0 ? ['sudo', '-n'] : undefined;
}

/** Runs apt-get non-interactively; returns the last line of its error output when it fails. */
function aptGet(prefix, args) {
  // `env` carries DEBIAN_FRONTEND through sudo, which resets the environment.
  const [command, ...rest] = [...prefix, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
  const result = spawnSync(command, rest, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status === 0) return undefined;
  const output = `${result.error?.message ?? ''}\n${result.stderr ?? ''}\n${result.stdout ?? ''}`.trim().split('\n');
  return `apt-get ${args[0]} failed (${output.at(-1) || `exit ${result.status}`})`;
}

const missing = missingNow();
if (missing.length > 0) {
  if (checkOnly) fail(missing);
  if (process.platform !== 'linux' || !onPath('apt-get')) fail(missing, 'this machine has no apt-get to install them with');
  const prefix = asRoot();
  if (!prefix) fail(missing, 'installing them needs root or passwordless sudo');
  const packages = missing.flatMap((r) => r.apt);
  console.log(`provision: installing ${packages.join(' ')} with apt-get (for ${missing.map((r) => r.neededBy).join(' and ')})`);
  const error = aptGet(prefix, ['update', '-qq']) ?? aptGet(prefix, ['install', '-y', '-qq', '--no-install-recommends', ...packages]);
  if (error) fail(missing, error);
  const stillMissing = missingNow();
  if (stillMissing.length > 0) fail(stillMissing, 'apt-get installed the packages but the commands are not on the PATH');
}
