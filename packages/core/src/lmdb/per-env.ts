/** One value per lmdb-js env, made on first use and let go with the env (a WeakMap). */
import type { RootDatabase } from 'lmdb';

/** `create(env)` once per env; later calls return the same value. */
export function perEnv<T>(create: (env: RootDatabase) => T): (env: RootDatabase) => T {
  const made = new WeakMap<RootDatabase, T>();
  return (env) => {
    let value = made.get(env);
    if (value === undefined) {
      value = create(env);
      made.set(env, value);
    }
    return value;
  };
}
