/** The public surface of @scoped-lmdb/testing (any runner): re-exports only. The vitest fixtures are in `./vitest`. */
export {
  createTempEnv,
  openTestEnv,
  type TeardownStats,
  type TestEnv,
  type TestEnvOptions,
  type TestScope,
  withFreshScope,
} from './env.js';
