#!/usr/bin/env node
// The `scoped-lmdb` binary: runs the CLI (dist/main.js; the TypeScript source under the
// @scoped-lmdb/source condition, which the repository's tests use) and exits with its code.
import { main } from '#main';

process.exitCode = await main();
