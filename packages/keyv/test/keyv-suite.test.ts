// keyv's own test suite, @keyv/test-suite (keyvTestSuite and keyvIteratorTests), in full, on LMDB and
// on Redis Cluster. keyv's default serializer hands the store JSON strings: codecs.string() stores them.

import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import { codecs } from '@scoped-lmdb/core';
import Keyv from 'keyv';
import * as vitest from 'vitest';
import { KeyvScopedStore } from '../src/index.js';
import { type Backend, useBackends } from './support/backends.js';

const backends = useBackends();

/** The tests each backend must register: @keyv/test-suite 2.1.2 has 38 in keyvTestSuite and 4 in keyvIteratorTests. */
const SUITE_TESTS = 42;

for (const backend of [backends.lmdb, backends.redis] satisfies Backend[]) {
  vitest.describe(`@keyv/test-suite on ${backend.name}`, () => {
    // Never undefined: keyv would quietly fall back to a Map and pass nearly every test.
    let store = (): KeyvScopedStore => {
      throw new Error(`the ${backend.name} database is made in beforeAll`);
    };
    vitest.beforeAll(() => {
      const database = backend.database('keyv-suite', codecs.string());
      store = () => new KeyvScopedStore(database);
    });
    // Counts what the suite registers, so a test it skipped or never generated fails the run.
    let registered = 0;
    const it = Object.assign((...args: Parameters<typeof vitest.it>) => {
      registered++;
      return vitest.it(...args);
    }, vitest.it);
    const counted = { ...vitest, it } as typeof vitest;
    keyvTestSuite(counted, Keyv, () => store());
    keyvIteratorTests(counted, Keyv, () => store());
    vitest.it('the suite registered every one of its tests, and none is skipped', () => {
      vitest.expect(registered).toBe(SUITE_TESTS);
    });
  });
}
