import { Bench } from 'tinybench';

export interface Result {
  name: string;
  /** Our figure, in `unit`. */
  ours: number;
  /** The baseline's figure, measured in the same process on the same data. */
  baseline: number;
  /** ours / baseline. */
  ratio: number;
  /** e.g. ">= 0.85" (throughput) or "<= 1.5" (time). */
  target: string;
  pass: boolean;
  unit: 'ops/s' | 'ms' | 'MiB';
  note?: string;
}

export interface Sizes {
  /** Entries in the main data set. */
  entries: number;
  /** Scopes they are spread over. */
  scopes: number;
  /** Writes per write benchmark call (100k in the full run). */
  writes: number;
  /** Scopes for the scaling benchmarks (100k in the full run). */
  manyScopes: number;
  /** Tenants for the one-table-per-tenant comparison (10k in the full run). */
  tenants: number;
  /** Puts for the RSS measurement (1M in the full run). */
  rssPuts: number;
}

export interface Settings {
  /** tinybench time budget per task and round, in ms. */
  time: number;
  /** Alternating rounds per comparison; the median ratio is reported. */
  rounds: number;
  /** At least this many calls per task and round (tinybench's own default is 64). */
  iterations: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Milliseconds per call: tinybench's median latency over `time` ms of calls. */
async function timeOnce(fn: () => unknown, settings: Settings, setup?: () => unknown): Promise<number> {
  const bench = new Bench({
    time: settings.time,
    iterations: settings.iterations,
    warmupTime: Math.min(100, settings.time / 2),
    throws: true,
  });
  bench.add('task', fn, setup ? { beforeEach: async () => void (await setup()) } : {});
  await bench.run();
  const result = bench.tasks[0]?.result;
  if (!result || result.error) throw result?.error ?? new Error('no result');
  return result.latency.p50 ?? result.latency.mean;
}

/**
 * Ours against a baseline: the two alternate over several rounds (machines here are
 * noisy and drift), and the median of the per-round ratios is the figure.
 * `opsPerCall` turns per-call latency into ops/s; with `kind: 'time'` the figure is ms.
 */
export async function compare(
  settings: Settings,
  spec: {
    name: string;
    ours: () => unknown;
    baseline: () => unknown;
    opsPerCall?: number;
    kind?: 'throughput' | 'time';
    target: number;
    setup?: () => unknown;
    note?: string;
  },
): Promise<Result> {
  const kind = spec.kind ?? 'throughput';
  const ratios: number[] = [];
  const oursFigures: number[] = [];
  const baseFigures: number[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const [first, second] = round % 2 === 0 ? ['ours', 'baseline'] : ['baseline', 'ours'];
    const ms: Record<string, number> = {};
    for (const which of [first, second] as const) {
      ms[which] = await timeOnce(which === 'ours' ? spec.ours : spec.baseline, settings, spec.setup);
    }
    const figure = (latency: number) => (kind === 'time' ? latency : ((spec.opsPerCall ?? 1) * 1000) / latency);
    oursFigures.push(figure(ms.ours as number));
    baseFigures.push(figure(ms.baseline as number));
    ratios.push(figure(ms.ours as number) / figure(ms.baseline as number));
  }
  const ratio = median(ratios);
  const pass = kind === 'time' ? ratio <= spec.target : ratio >= spec.target;
  return {
    name: spec.name,
    ours: median(oursFigures),
    baseline: median(baseFigures),
    ratio,
    target: `${kind === 'time' ? '<=' : '>='} ${spec.target}`,
    pass,
    unit: kind === 'time' ? 'ms' : 'ops/s',
    ...(spec.note ? { note: spec.note } : {}),
  };
}

/** One-off timing (ms) of a run that cannot repeat on the same data, median of `rounds`. */
export async function timeRuns(rounds: number, prepare: () => unknown, run: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await prepare();
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return median(times);
}

export function formatTable(results: Result[]): string {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toPrecision(3));
  const lines = ['| benchmark | ours | baseline | ratio | target | pass |', '|---|---:|---:|---:|---|---|'];
  for (const r of results) {
    lines.push(
      `| ${r.name}${r.note ? ` (${r.note})` : ''} | ${fmt(r.ours)} ${r.unit} | ${fmt(r.baseline)} ${r.unit} | ${r.ratio.toFixed(2)} | ${r.target} | ${r.pass ? 'yes' : '**no**'} |`,
    );
  }
  return lines.join('\n');
}
