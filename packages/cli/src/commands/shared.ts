/** What every command uses: the common options, opening the store, confirmation, progress and errors. */
import { confirm, isCancel } from '@clack/prompts';
import { type Command, InvalidArgumentError } from 'commander';
import { openLmdbService } from '../lmdb-service.js';
import { type ProgressMode, startProgress } from '../progress.js';
import { openRedisService } from '../redis-service.js';
import type { ScopeRef, StoreService } from '../service.js';

/** The options every command takes. */
export interface CommonOptions {
  json?: boolean;
  verbose?: boolean;
  yes?: boolean;
}

/** An error the CLI reports as one line, with an exit code (1 unless told). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** How the default scope is typed on the command line (and shown). */
export const DEFAULT_SCOPE = '(default)';

/** `--json`, `--verbose` and `--redis` on a command (`--redis` is taken out of argv before parsing: main.ts). */
export function withCommon(command: Command): Command {
  return command
    .option('--json', 'print JSON for scripts instead of a table')
    .option('--redis <url>', 'run against the Redis server or cluster at <url> (then leave <path> out)')
    .option('--verbose', 'print the stack of an error');
}

/** `--yes` on a command that asks before it destroys data. */
export function withYes(command: Command): Command {
  return command.option('-y, --yes', 'do not ask for confirmation');
}

/** A scope argument: a name, or `(default)` for the default scope. */
export function parseScope(text: string): ScopeRef {
  return text === DEFAULT_SCOPE ? null : text;
}

/** A scope argument that must be a named scope (lifecycle commands). */
export function namedScope(text: string): string {
  if (text === DEFAULT_SCOPE) throw new CliError('the default scope cannot be dropped, renamed, swapped or copied (clear it with `clear`)');
  return text;
}

/** Commander parser of a whole number >= 1. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return n;
}

/** Commander collector of a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A target is an env path, or (put there from `--redis`) a redis:// URL. */
export function openStore(target: string, write: boolean): Promise<StoreService> {
  return /^rediss?:\/\//.test(target) ? openRedisService(target, { write }) : openLmdbService(target, { write });
}

/** Opens the store, runs `work`, and closes the store whatever happens. */
export async function withStore<T>(target: string, write: boolean, work: (service: StoreService) => Promise<T>): Promise<T> {
  const service = await openStore(target, write);
  try {
    return await work(service);
  } finally {
    await service.close();
  }
}

/**
 * Asks before destroying data: `--yes` skips the question; a terminal gets a yes/no prompt;
 * without a terminal to ask on (a pipe, CI) the command refuses, so a script never destroys
 * data by accident.
 */
export async function confirmOrRefuse(action: string, options: CommonOptions): Promise<void> {
  if (options.yes) return;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new CliError(`refusing to ${action} without --yes: there is no terminal to confirm on`);
  }
  const answer = await confirm({ message: `${action[0]?.toUpperCase()}${action.slice(1)}?`, initialValue: false, output: process.stderr });
  if (isCancel(answer) || answer !== true) throw new CliError(`did not ${action}: not confirmed`);
}

/** The progress display for this run: a bar on a terminal, lines in a pipe, none with --json. */
export function progressMode(options: CommonOptions): ProgressMode {
  if (options.json) return 'none';
  return process.stderr.isTTY ? 'bar' : 'lines';
}

export { startProgress };
