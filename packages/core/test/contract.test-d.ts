import { describe, expectTypeOf, it } from 'vitest';
import type { AsyncScopedDatabase, AsyncScopedView, ScopedDatabase, ScopedView } from '../src/index.js';

/** The async contract keeps the sync one's method names (and the views theirs). */
describe('contract parity', () => {
  it('AsyncScopedDatabase has the methods of ScopedDatabase, bar the LMDB-only transactionSync and snapshot', () => {
    type Sync = Exclude<keyof ScopedDatabase<string, number>, 'transactionSync' | 'snapshot'>;
    type Async = Exclude<keyof AsyncScopedDatabase<string, number>, 'keyCodec' | 'valueCodec'>;
    expectTypeOf<Async>().toEqualTypeOf<Sync>();
  });

  it('AsyncScopedView has the methods of ScopedView, bar transactionSync and snapshot', () => {
    expectTypeOf<keyof AsyncScopedView<string, number>>().toEqualTypeOf<
      Exclude<keyof ScopedView<string, number>, 'transactionSync' | 'snapshot'>
    >();
  });

  it('takes the same arguments, returning Promises', () => {
    expectTypeOf<Parameters<AsyncScopedDatabase<string, number>['put']>>().toEqualTypeOf<
      Parameters<ScopedDatabase<string, number>['put']>
    >();
    expectTypeOf<ReturnType<AsyncScopedDatabase<string, number>['getCount']>>().toEqualTypeOf<Promise<number>>();
    expectTypeOf<Parameters<AsyncScopedDatabase<string, number>['getRange']>>().toEqualTypeOf<
      Parameters<ScopedDatabase<string, number>['getRange']>
    >();
  });
});
