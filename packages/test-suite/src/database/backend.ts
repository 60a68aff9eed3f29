import type { AsyncScopedDatabase, AsyncScopedView, Codec } from '@scoped-lmdb/core';

/** What the conformance suite drives: the async surface both backends share. */
export type ConformanceDatabase<K, V> = Pick<
  AsyncScopedDatabase<K, V>,
  | 'get'
  | 'getMany'
  | 'doesExist'
  | 'put'
  | 'putSync'
  | 'remove'
  | 'removeSync'
  | 'clearAsync'
  | 'clearSync'
  | 'getRange'
  | 'getKeys'
  | 'getCount'
  | 'isScopeEmpty'
> & { scope(scope: Parameters<AsyncScopedDatabase<K, V>['scope']>[0]): ConformanceView<K, V> };

export type ConformanceView<K, V> = Pick<
  AsyncScopedView<K, V>,
  'scope' | 'get' | 'put' | 'remove' | 'getKeys' | 'getCount' | 'clearAsync' | 'isEmpty'
>;

export interface ConformanceBackend {
  /** A database handle; the suite uses a fresh name per test, so tests never see each other's data. */
  database<K, V>(name: string, keyCodec: Codec<K>, valueCodec: Codec<V>): ConformanceDatabase<K, V>;
}
