/** What `@scoped-lmdb/testing/global-setup` provides to vitest's workers, typed for `inject`. */
declare module 'vitest' {
  export interface ProvidedContext {
    /** The env directory every worker of the run shares (set by `@scoped-lmdb/testing/global-setup`). */
    scopedLmdbEnvPath?: string;
  }
}

/** The key under which the shared env directory is provided. */
export const ENV_PATH_KEY = 'scopedLmdbEnvPath';
