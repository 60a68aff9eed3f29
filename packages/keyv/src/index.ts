/** The public surface of @scoped-lmdb/keyv: re-exports only. */
export { type KeyvScopedDatabase, KeyvScopedStore, type KeyvScopedStoreOpts } from './store.js';
