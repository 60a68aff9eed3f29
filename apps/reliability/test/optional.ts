/**
 * The registry and schema codecs are built in parallel with this app. Until a package's
 * source exists, the tests that need it are skipped (reported as skipped, not passed);
 * once it exists, it must import. The types below are the parts of the API contract
 * (docs: shared spec API.md) these tests use.
 */
import { existsSync } from 'node:fs';
import type { Codec, Scope, ScopeLike, ScopeRegistrar } from '@scoped-lmdb/core';
import type { RootDatabase } from 'lmdb';

export interface Registry extends ScopeRegistrar {
  registerScope(scope: ScopeLike): void;
  getScopeName(hash: bigint): string | undefined;
  listAllScopes(): Scope[];
  scopeExists(scope: ScopeLike): boolean;
}
export interface RegistryModule {
  GlobalScopeRegistry: { open(env: RootDatabase): Registry };
}
export interface SchemaCodecModule {
  zodCodec<T>(schema: unknown, options?: { inner?: Codec<unknown>; validateOnRead?: boolean }): Codec<T>;
  standardSchemaCodec<T>(schema: unknown, options?: { inner?: Codec<unknown>; validateOnRead?: boolean }): Codec<T>;
}

const sourceOf = (pkg: string) => new URL(`../../../packages/${pkg}/src/index.ts`, import.meta.url);

async function load<T>(pkg: string, specifier: string): Promise<T | undefined> {
  if (!existsSync(sourceOf(pkg))) return undefined;
  // A variable specifier keeps the type checker from requiring the package before it exists.
  return (await import(specifier)) as T;
}

export const registryModule = await load<RegistryModule>('registry', '@scoped-lmdb/registry');
export const schemaCodecs = await load<SchemaCodecModule>('codec-zod', '@scoped-lmdb/codec-zod');
