/**
 * export and import: one scope in the dump format (docs/dump-format.md), to or from a file or
 * stdin/stdout (`-`). The dump itself never goes to a terminal; the summary goes to stdout, or
 * to stderr when stdout carries the dump.
 */
import { createReadStream, createWriteStream, existsSync, rmSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import { formatCount } from '../output.js';
import type { TransferResult } from '../service.js';
import {
  CliError,
  type CommonOptions,
  collect,
  confirmOrRefuse,
  parseScope,
  progressMode,
  startProgress,
  withCommon,
  withStore,
  withYes,
} from './shared.js';

function summary(result: TransferResult, seconds: number): string {
  const parts = Object.entries(result.perDatabase).map(([db, n]) => `${db}:${formatCount(n)}`);
  return `${formatCount(result.entries)} entries in ${seconds.toFixed(1)}s (${parts.join(' ') || 'no databases'})`;
}

function report(result: TransferResult, options: CommonOptions, toStderr: boolean, extra: Record<string, unknown>): void {
  if (!options.json) return;
  const text = `${JSON.stringify({ ...extra, ...result }, null, 2)}\n`;
  (toStderr ? process.stderr : process.stdout).write(text);
}

export function register(program: Command): void {
  withCommon(program.command('export').argument('<path>', 'the LMDB env').argument('<scope>', 'a scope name, or (default)'))
    .description('write one scope (of every database, or of --db) as a dump')
    .option('--db <name>', 'only this database (repeat for more)', collect)
    .option('-o, --output <file>', 'where to write the dump; - for stdout', '-')
    .action(async (path: string, scope: string, options: CommonOptions & { db?: string[]; output: string }) => {
      const toStdout = options.output === '-';
      if (toStdout && process.stdout.isTTY)
        throw new CliError('refusing to write a binary dump to the terminal: pass -o <file>, or pipe it');
      const started = performance.now();
      const result = await withStore(path, false, async (s) => {
        // The file is made only once the store opened (a bad path leaves no empty dump behind).
        const sink: Writable = toStdout ? process.stdout : createWriteStream(options.output);
        const progress = startProgress('export', progressMode(options));
        try {
          const result = await s.exportScope(parseScope(scope), sink, {
            ...(options.db ? { databases: options.db } : {}),
            onProgress: (done, total) => progress.update(done, total),
          });
          if (!toStdout) {
            sink.end();
            await finished(sink);
          }
          progress.done(summary(result, (performance.now() - started) / 1000));
          return result;
        } catch (error) {
          progress.fail();
          if (!toStdout) {
            sink.destroy();
            rmSync(options.output, { force: true });
          }
          throw error;
        }
      });
      report(result, options, toStdout, { scope, file: options.output });
    });

  withYes(
    withCommon(
      program
        .command('import')
        .argument('<path>', 'the LMDB env')
        .argument('<scope>', 'the scope to load into, or (default)')
        .argument('<file>', 'the dump; - for stdin'),
    ),
  )
    .description('load a dump into a scope, all or nothing')
    .option('--replace', 'replace a target scope that exists (asks first)')
    .option('--db <name>', 'only this database of the dump (repeat for more); the others are checked and skipped', collect)
    .action(async (path: string, scope: string, file: string, options: CommonOptions & { replace?: boolean; db?: string[] }) => {
      if (file !== '-' && !existsSync(file)) throw new CliError(`no dump at ${file}: it does not exist`);
      if (file === '-' && process.stdin.isTTY) throw new CliError('refusing to read a dump from the terminal: give a file, or pipe it');
      if (options.replace) await confirmOrRefuse(`replace scope ${scope} with the dump`, options);
      const started = performance.now();
      const result = await withStore(path, true, async (s) => {
        const source: Readable = file === '-' ? process.stdin : createReadStream(file);
        const progress = startProgress('import', progressMode(options));
        try {
          const result = await s.importScope(source, parseScope(scope), {
            ...(options.replace ? { replace: true } : {}),
            ...(options.db ? { databases: options.db } : {}),
            onProgress: (done, total) => progress.update(done, total),
          });
          progress.done(summary(result, (performance.now() - started) / 1000));
          return result;
        } catch (error) {
          progress.fail();
          throw error;
        } finally {
          if (file !== '-') source.destroy();
        }
      });
      report(result, options, false, { scope, file });
    });
}
