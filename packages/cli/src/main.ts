/**
 * The `scoped-lmdb` program: builds the commands (commands/index.ts), parses argv with
 * commander, and reports any failure as one line on stderr (the stack too with --verbose).
 * Exit codes: 0 done; 1 the store refused or bad input (unknown env, database, scope, key,
 * a dump for other codecs, a refused confirmation); 2 a usage error (unknown command or option,
 * missing argument).
 */
import { readFileSync } from 'node:fs';
import { isScopedDbError } from '@scoped-lmdb/core';
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';
import { CliError } from './commands/shared.js';
import { pc } from './output.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * `--redis <url>` stands in for the `<path>` argument of every command: it is taken out of
 * argv and the URL goes where the path would be (right after the command name), so each
 * command has one argument list for both backends.
 */
export function moveRedisOption(argv: readonly string[]): string[] {
  const args = [...argv];
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') break;
    if (arg === '--redis') {
      url = args[i + 1];
      if (url === undefined) throw new CliError('option --redis needs a URL, e.g. --redis redis://127.0.0.1:6379', 2);
      args.splice(i, 2);
      break;
    }
    if (arg.startsWith('--redis=')) {
      url = arg.slice('--redis='.length);
      args.splice(i, 1);
      break;
    }
  }
  if (url === undefined) return args;
  if (!/^rediss?:\/\//.test(url)) throw new CliError(`--redis ${url} is not a redis:// or rediss:// URL`, 2);
  const command = args.findIndex((arg) => !arg.startsWith('-'));
  if (command === -1) return args;
  args.splice(command + 1, 0, url);
  return args;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function report(error: unknown, verbose: boolean): void {
  const code = isScopedDbError(error) ? ` [${error.code}]` : '';
  // The library speaks to callers of its API; on the command line its option is a flag.
  const message = (error instanceof Error ? error.message : String(error)).replace('pass { replace: true }', 'pass --replace');
  process.stderr.write(`${pc.red('scoped-lmdb:')} ${oneLine(message)}${code}\n`);
  if (verbose && error instanceof Error) {
    process.stderr.write(`${error.stack ?? ''}\n`);
    if (error.cause !== undefined)
      process.stderr.write(`cause: ${error.cause instanceof Error ? error.cause.stack : String(error.cause)}\n`);
  }
}

/** Builds the program with every command of the table. */
export async function buildProgram(): Promise<Command> {
  const program = new Command('scoped-lmdb')
    .description('Look inside scoped-lmdb stores (LMDB envs, or Redis with --redis) and move scopes around.')
    .version(version)
    .exitOverride();
  for (const load of COMMANDS) (await load()).register(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the program on `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const verbose = argv.includes('--verbose');
  try {
    const program = await buildProgram();
    await program.parseAsync(moveRedisOption(argv), { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander printed its message already; help and --version end with code 0
      return error.exitCode === 0 ? 0 : 2;
    }
    report(error, verbose);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
