// Why this file: every scoped-lmdb package is ESM only, and its module graph has a top-level `await` (core
// initialises xxhash-wasm), so require() cannot load it; Node's own errors for that ("No exports main defined",
// ERR_REQUIRE_ASYNC_MODULE) do not say what to do. The "require" export condition points here instead. The code is
// ERR_REQUIRE_ESM, so loaders that retry a failed require() with import() do so.
const { name } = require('./package.json');

throw Object.assign(new Error(`${name} is ESM only (it uses top-level await): from CommonJS, load it with \`await import('${name}')\`.`), {
  code: 'ERR_REQUIRE_ESM',
});
