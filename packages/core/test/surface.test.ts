import { describe, expect, it } from 'vitest';

/** The public surface is the contract: a change to it is a deliberate edit of this list. */
describe('public surface', () => {
  it('exports exactly these values from @scoped-lmdb/core', async () => {
    const surface = await import('../src/index.js');
    expect(Object.keys(surface).sort()).toEqual([
      'MAX_KEY_BYTES',
      'META_TABLE',
      'SCOPE_ID_BYTES',
      'Scope',
      'ScopedDbError',
      'codecs',
      'defineCodec',
      'encodingError',
      'isScopedDbError',
      'keyFormat',
      'scopedDatabaseOptions',
    ]);
  });

  it('keeps lmdb-js state readers and the registry table name in core/internal only', async () => {
    const internal = await import('../src/internal.js');
    for (const name of ['currentWriteTransaction', 'inWriteTransaction', 'isClosed', 'REGISTRY_TABLE', 'recordedDatabases', 'bindScope']) {
      expect(internal, name).toHaveProperty(name);
    }
  });
});
