/**
 * The write commands: cp, mv, swap, drop, prune, reclaim, del, clear. Each opens the store for
 * writing; the ones that destroy data (drop, prune, del, clear, and cp/mv with --replace) ask
 * first unless --yes, and refuse when there is no terminal to ask on.
 */
import type { Command } from 'commander';
import { formatCount, printJson, printLine } from '../output.js';
import type { ProgressCallback, StoreService } from '../service.js';
import {
  type CommonOptions,
  confirmOrRefuse,
  namedScope,
  parseScope,
  progressMode,
  startProgress,
  withCommon,
  withStore,
  withYes,
} from './shared.js';

type Replace = CommonOptions & { replace?: boolean };

/** Runs `work` with a progress display labelled `label`; the summary line says what it did. */
async function withProgress<T>(
  label: string,
  options: CommonOptions,
  work: (onProgress: ProgressCallback) => Promise<T>,
  summary: (result: T, seconds: number) => string,
): Promise<T> {
  const started = performance.now();
  const progress = startProgress(label, progressMode(options));
  try {
    const result = await work((done, total) => progress.update(done, total));
    progress.done(summary(result, (performance.now() - started) / 1000));
    return result;
  } catch (error) {
    progress.fail();
    throw error;
  }
}

const entriesIn = (n: number, seconds: number) => `${formatCount(n)} entries in ${seconds.toFixed(1)}s`;

async function reclaimWithProgress(service: StoreService, options: CommonOptions): Promise<number> {
  return withProgress('reclaim', options, (onProgress) => service.reclaim({ onProgress }), entriesIn);
}

export function register(program: Command): void {
  withYes(
    withCommon(
      program.command('cp').argument('<path>', 'the LMDB env').argument('<from>', 'source scope').argument('<to>', 'target scope'),
    ),
  )
    .description("copy a scope's entries in every database to another scope (readers see the copy all at once)")
    .option('--replace', 'replace a target that exists (asks first)')
    .action(async (path: string, from: string, to: string, options: Replace) => {
      const [a, b] = [namedScope(from), namedScope(to)];
      if (options.replace) await confirmOrRefuse(`replace scope "${b}" with a copy of "${a}"`, options);
      const copied = await withStore(path, true, (s) =>
        withProgress('copy', options, (onProgress) => s.copyScope(a, b, { replace: options.replace === true, onProgress }), entriesIn),
      );
      if (options.json) printJson({ copied, from: a, to: b });
    });

  withYes(
    withCommon(
      program.command('mv').argument('<path>', 'the LMDB env').argument('<from>', 'scope to rename').argument('<to>', 'its new name'),
    ),
  )
    .description('rename a scope (O(1): only metadata changes)')
    .option('--replace', 'replace a target that exists (asks first)')
    .action(async (path: string, from: string, to: string, options: Replace) => {
      const [a, b] = [namedScope(from), namedScope(to)];
      if (options.replace) await confirmOrRefuse(`replace scope "${b}" with "${a}"`, options);
      await withStore(path, true, (s) => s.renameScope(a, b, { replace: options.replace === true }));
      if (options.json) printJson({ renamed: a, to: b });
      else printLine(`renamed "${a}" to "${b}"`);
    });

  withCommon(program.command('swap').argument('<path>', 'the LMDB env').argument('<a>', 'a scope').argument('<b>', 'another scope'))
    .description("swap two scopes' data atomically (like Redis SWAPDB; run it again to undo)")
    .action(async (path: string, a: string, b: string, options: CommonOptions) => {
      const [x, y] = [namedScope(a), namedScope(b)];
      await withStore(path, true, (s) => s.swapScopes(x, y));
      if (options.json) printJson({ swapped: [x, y] });
      else printLine(`swapped "${x}" and "${y}"`);
    });

  withYes(withCommon(program.command('drop').argument('<path>', 'the LMDB env').argument('<scope>', 'the scope to drop')))
    .description('drop a scope in every database at once, then free its entries (asks first)')
    .option('--no-reclaim', 'leave freeing the entries to the background (or a later `reclaim`)')
    .action(async (path: string, scope: string, options: CommonOptions & { reclaim: boolean }) => {
      const name = namedScope(scope);
      await confirmOrRefuse(`drop scope "${name}" and all its data`, options);
      const freed = await withStore(path, true, async (s) => {
        await s.dropScope(name);
        if (!options.json) printLine(`dropped "${name}"`);
        return options.reclaim ? reclaimWithProgress(s, options) : 0;
      });
      if (options.json) printJson({ dropped: name, reclaimed: freed });
    });

  withYes(withCommon(program.command('prune').argument('<path>', 'the LMDB env')))
    .description('unregister every named scope that holds no data in any database (asks first)')
    .option('--dry-run', 'only list the scopes it would remove')
    .action(async (path: string, options: CommonOptions & { dryRun?: boolean }) => {
      const result = await withStore(path, !options.dryRun, async (s) => {
        if (options.dryRun) return s.prune({ dryRun: true });
        const candidates = await s.prune({ dryRun: true });
        if (candidates.scopes.length === 0) return candidates;
        await confirmOrRefuse(`unregister ${candidates.scopes.length} empty scope(s)`, options);
        return s.prune();
      });
      if (options.json) return printJson(result);
      if (result.scopes.length === 0) return printLine('no empty scopes');
      printLine(result.dryRun ? `would remove ${result.scopes.length} empty scope(s):` : `removed ${result.scopes.length} empty scope(s):`);
      for (const name of result.scopes) printLine(`  ${name}`);
    });

  withCommon(program.command('reclaim').argument('<path>', 'the LMDB env'))
    .description('free the entries of dropped scopes now')
    .action(async (path: string, options: CommonOptions) => {
      const freed = await withStore(path, true, (s) => reclaimWithProgress(s, options));
      if (options.json) printJson({ reclaimed: freed });
    });

  withYes(
    withCommon(
      program
        .command('del')
        .argument('<path>', 'the LMDB env')
        .argument('<db>', 'the database')
        .argument('<scope>', 'a scope name, or (default)')
        .argument('<key>', 'the key, typed for the key codec'),
    ),
  )
    .description('remove one key (asks first)')
    .action(async (path: string, db: string, scope: string, key: string, options: CommonOptions) => {
      await confirmOrRefuse(`remove key ${JSON.stringify(key)} from "${db}" in scope ${scope}`, options);
      const removed = await withStore(path, true, (s) => s.deleteKey(db, parseScope(scope), key));
      if (options.json) printJson({ removed });
      else printLine(removed ? 'removed 1 key' : 'no such key: nothing removed');
    });

  withYes(withCommon(program.command('clear').argument('<path>', 'the LMDB env').argument('<scope>', 'a scope name, or (default)')))
    .description('remove every entry of a scope, in one database or in all (asks first); the scope stays registered')
    .option('--db <name>', 'only in this database')
    .action(async (path: string, scope: string, options: CommonOptions & { db?: string }) => {
      const where = options.db === undefined ? 'every database' : `database "${options.db}"`;
      await confirmOrRefuse(`remove every entry of scope ${scope} in ${where}`, options);
      const removed = await withStore(path, true, (s) => s.clearScope(parseScope(scope), options.db));
      if (options.json) printJson({ removed });
      else printLine(`removed ${formatCount(removed)} entries`);
    });
}
