// The benchmark: scoped-lmdb against raw lmdb-js (and alternatives) in one process, on the same data.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { formatTable, type Result, type Settings, type Sizes } from './harness.js';
import { alternatives } from './suites/alternatives.js';
import { core } from './suites/core.js';
import { exportSuite } from './suites/export.js';
import { level } from './suites/level.js';
import { lifecycle } from './suites/lifecycle.js';
import { redis } from './suites/redis.js';
import { scaling } from './suites/scaling.js';
import { stats } from './suites/stats.js';
import { studio } from './suites/studio.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    size: { type: 'string' },
    scopes: { type: 'string' },
    json: { type: 'string', default: 'bench-results.json' },
    only: { type: 'string' },
    // Starts a local 3-master Redis Cluster (redis-server and redis-cli on the PATH) for the redis suite.
    redis: { type: 'boolean', default: false },
  },
});

const quick = values.quick === true;
const sizes: Sizes = {
  entries: Number(values.size ?? (quick ? 50_000 : 1_000_000)),
  scopes: Number(values.scopes ?? 1_000),
  writes: quick ? 5_000 : 100_000,
  manyScopes: quick ? 5_000 : 100_000,
  tenants: quick ? 500 : 10_000,
  rssPuts: quick ? 50_000 : 1_000_000,
};
const settings: Settings = quick ? { time: 60, rounds: 3, iterations: 4 } : { time: 500, rounds: 7, iterations: 10 };

console.log(
  `scoped-lmdb bench — ${sizes.entries.toLocaleString('en')} entries over ${sizes.scopes.toLocaleString('en')} scopes, 100-byte values` +
    `${quick ? ' (quick)' : ''}\nnode ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB\n`,
);

// The redis suite needs redis-server on the machine, so a plain run leaves it out.
const suites = { core, scaling, lifecycle, stats, export: exportSuite, alternatives, level, studio, ...(values.redis ? { redis } : {}) };
const results: Result[] = [];
for (const [name, suite] of Object.entries(suites)) {
  if (values.only && values.only !== name) continue;
  console.log(`running ${name}…`);
  let lap = performance.now();
  for await (const result of suite(sizes, settings)) {
    results.push(result);
    const seconds = ((performance.now() - lap) / 1000).toFixed(1);
    const verdict = result.pass ? 'ok' : quick ? 'missed (quick: indicative only)' : 'MISSED';
    console.log(`  ${result.name}: ratio ${result.ratio.toFixed(2)} (${result.target}) ${verdict} [${seconds} s]`);
    lap = performance.now();
  }
}

console.log(`\n${formatTable(results)}\n`);
const missed = results.filter((r) => !r.pass).length;
if (quick) {
  // A quick run is a smoke check: data sets a twentieth of the full size and 3 rounds instead of 7, so its ratios swing far more.
  console.log(
    `quick run: these ratios are indicative only, not a verdict (${missed} of ${results.length} rows missed their target; ` +
      'a miss here is not a regression). The exit code says only that every benchmark ran. Run `npm run bench` for figures that count.\n',
  );
} else if (missed > 0) {
  console.log(`${missed} of ${results.length} rows missed their target.\n`);
}
writeFileSync(values.json as string, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${values.json}`);
