import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layout's rules, checked on the import lines of every package's src: no import cycles;
 * only key-format.ts knows stored key bytes; core's top level reaches lmdb/ only through the
 * builder and the internal entry; the redis database never calls back into its store.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const files = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group)).flatMap((pkg) => {
    try {
      return sources(join(root, group, pkg, 'src'));
    } catch {
      return [];
    }
  }),
);
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from\s+'(\.{1,2}\/[^']+)'/gm)].map((m) =>
    resolve(dirname(file), (m[1] as string).replace(/\.js$/, '.ts')),
  );
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const name = (file: string) => relative(root, file);

describe('architecture', () => {
  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(40);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].map(name).join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('lets only key-format.ts write or read stored key bytes', () => {
    const keyBytes = /\b(scopeIdBytes|writeKeyPrefix|writeScopedKey|readScopeHash)\b/;
    const users = files.filter((file) => keyBytes.test(readFileSync(file, 'utf8'))).map(name);
    // scope.ts owns the id itself and hands it to key-format.ts; lmdb/database.ts walks scopes through key-format's
    // readScopeHash, which internal.ts passes on to the registry.
    expect(users.sort()).toEqual([
      'packages/core/src/internal.ts',
      'packages/core/src/key-format.ts',
      'packages/core/src/lmdb/database.ts',
      'packages/core/src/scope.ts',
    ]);
    const database = readFileSync(join(root, 'packages/core/src/lmdb/database.ts'), 'utf8');
    expect(database).not.toMatch(/\b(scopeIdBytes|writeKeyPrefix|writeScopedKey)\b/);
  });

  it('reaches core/src/lmdb only from the builder, the internal entry and lmdb itself', () => {
    const intoLmdb = files
      .filter((file) => name(file).startsWith('packages/core/src/') && !name(file).startsWith('packages/core/src/lmdb/'))
      .filter((file) => (graph.get(file) ?? []).some((target) => name(target).startsWith('packages/core/src/lmdb/')))
      .map(name);
    expect(intoLmdb.sort()).toEqual(['packages/core/src/builder.ts', 'packages/core/src/internal.ts']);
  });

  it('keeps the dump format free of lmdb (the Redis backend and the CLI use it too)', () => {
    const dumpFormat = join(root, 'packages/core/src/dump-format.ts');
    expect(readFileSync(dumpFormat, 'utf8')).not.toMatch(/from 'lmdb'/);
    expect((graph.get(dumpFormat) ?? []).map(name).filter((target) => target.includes('/lmdb/'))).toEqual([]);
  });
});
