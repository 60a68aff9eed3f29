/** The read commands: databases, scopes, stats, get, scan. Each opens the store read-only. */
import type { Command } from 'commander';
import { clip, formatBytes, formatCount, pc, printJson, printLine, table } from '../output.js';
import type { ScopeRow, ScopeSort } from '../service.js';
import { CliError, type CommonOptions, parseScope, positiveInteger, withCommon, withStore } from './shared.js';

/** Columns a scan's value may take before it is cut (the whole value is in --json). */
const VALUE_WIDTH = 80;

function dbSummary(row: ScopeRow): string {
  return Object.entries(row.databases)
    .filter(([, c]) => c.entries > 0)
    .map(([name, c]) => `${name}:${formatCount(c.entries)}`)
    .join(' ');
}

function label(row: ScopeRow): string {
  return row.kind === 'named' ? (row.name as string) : pc.dim(row.label);
}

export function register(program: Command): void {
  withCommon(program.command('databases').argument('<path>', 'the LMDB env (a directory or its data file)'))
    .description('list the scoped databases: kind, codecs, and totals when they keep stats')
    .action(async (path: string, options: CommonOptions) => {
      const databases = await withStore(path, false, (s) => s.databases());
      if (options.json) return printJson(databases);
      if (databases.length === 0) return printLine('no scoped databases');
      printLine(
        table(
          [
            { header: 'DATABASE' },
            { header: 'KIND' },
            { header: 'KEYS' },
            { header: 'VALUES' },
            { header: 'ENTRIES', numeric: true },
            { header: 'BYTES', numeric: true },
          ],
          databases.map((d) => [
            d.name,
            d.kind ?? '-',
            d.keyCodec,
            d.valueCodec,
            d.totals ? formatCount(d.totals.entries) : '-',
            d.totals ? formatBytes(d.totals.bytes) : '-',
          ]),
        ),
      );
    });

  withCommon(program.command('scopes').argument('<path>', 'the LMDB env'))
    .description('list scopes with their entries and bytes (ids no name maps to show as unnamed)')
    .option('--db <name>', 'only scopes holding data in this database')
    .option('--prefix <text>', 'only named scopes starting with this')
    .option('--sort <order>', 'name, entries or bytes (largest first)', 'name')
    .option('--limit <n>', 'rows per page', positiveInteger, 100)
    .option('--after <cursor>', 'the next page: the cursor the previous page printed')
    .action(
      async (path: string, options: CommonOptions & { db?: string; prefix?: string; sort: string; limit: number; after?: string }) => {
        const page = await withStore(path, false, (s) =>
          s.scopes(options.db, {
            sort: options.sort as ScopeSort,
            limit: options.limit,
            ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
            ...(options.after !== undefined ? { after: options.after } : {}),
          }),
        );
        if (options.json) return printJson(page);
        if (page.scopes.length === 0) return printLine('no scopes');
        printLine(
          table(
            [
              { header: 'SCOPE' },
              { header: 'ENTRIES', numeric: true },
              { header: 'BYTES', numeric: true },
              { header: 'ID' },
              { header: 'DATABASES' },
            ],
            page.scopes.map((row) => [label(row), formatCount(row.entries), formatBytes(row.bytes), row.id ?? '-', dbSummary(row)]),
          ),
        );
        if (page.next) printLine(pc.dim(`more: --after ${page.next}`));
      },
    );

  withCommon(program.command('stats').argument('<path>', 'the LMDB env').argument('<scope>', 'a scope name, or (default)'))
    .description("one scope's entries and bytes in every database")
    .action(async (path: string, scope: string, options: CommonOptions) => {
      const stats = await withStore(path, false, (s) => s.stats(parseScope(scope)));
      if (options.json) return printJson(stats);
      const facts = [`scope ${stats.label}`, `id ${stats.id ?? '-'}`, stats.registered ? 'registered' : 'not registered'];
      if (stats.quota) facts.push(`quota ${JSON.stringify(stats.quota)}`);
      printLine(facts.join(' · '));
      const rows = Object.entries(stats.databases).map(([name, c]) => [name, formatCount(c.entries), formatBytes(c.bytes)]);
      rows.push([pc.bold('total'), formatCount(stats.entries), formatBytes(stats.bytes)]);
      printLine(table([{ header: 'DATABASE' }, { header: 'ENTRIES', numeric: true }, { header: 'BYTES', numeric: true }], rows));
    });

  withCommon(
    program
      .command('get')
      .argument('<path>', 'the LMDB env')
      .argument('<db>', 'the database')
      .argument('<scope>', 'a scope name, or (default)')
      .argument('<key>', 'the key, typed for the key codec (see README "Keys on the command line")'),
  )
    .description('print the value under one key, decoded with the stored codec (exit 1 when there is none)')
    .action(async (path: string, db: string, scope: string, key: string, options: CommonOptions) => {
      const entry = await withStore(path, false, (s) => s.get(db, parseScope(scope), key));
      if (options.json) printJson(entry ?? null);
      else if (entry) printLine(entry.value.text);
      if (!entry) throw new CliError(`no value under key ${JSON.stringify(key)} in database "${db}", scope ${scope}`);
    });

  withCommon(
    program
      .command('scan')
      .argument('<path>', 'the LMDB env')
      .argument('<db>', 'the database')
      .argument('<scope>', 'a scope name, or (default)'),
  )
    .description("list one scope's entries in key order, decoded with the stored codecs")
    .option('--start <key>', 'first key (inclusive; the high end with --reverse)')
    .option('--end <key>', 'last key (exclusive; the low end with --reverse)')
    .option('--prefix <key>', 'only keys whose stored bytes start with this key')
    .option('--reverse', 'highest key first')
    .option('--limit <n>', 'entries per page', positiveInteger, 100)
    .option('--after <cursor>', 'the next page: the cursor the previous page printed')
    .action(
      async (
        path: string,
        db: string,
        scope: string,
        options: CommonOptions & { start?: string; end?: string; prefix?: string; reverse?: boolean; limit: number; after?: string },
      ) => {
        const { start, end, prefix, reverse, limit, after } = options;
        const page = await withStore(path, false, (s) =>
          s.scan(db, parseScope(scope), {
            limit,
            ...(start !== undefined ? { start } : {}),
            ...(end !== undefined ? { end } : {}),
            ...(prefix !== undefined ? { prefix } : {}),
            ...(reverse ? { reverse } : {}),
            ...(after !== undefined ? { after } : {}),
          }),
        );
        if (options.json) return printJson(page);
        if (page.entries.length === 0) return printLine('no entries');
        printLine(
          table(
            [{ header: 'KEY' }, { header: 'VALUE' }, { header: 'SIZE', numeric: true }],
            page.entries.map((e) => [clip(e.key.text, 40), clip(e.value.text, VALUE_WIDTH), formatBytes(e.key.size + e.value.size)]),
          ),
        );
        if (page.next) printLine(pc.dim(`more: --after ${page.next}`));
      },
    );
}
