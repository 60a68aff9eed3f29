/**
 * Progress of long work (export, import, copy, reclaim), on stderr so stdout stays the result:
 * on a terminal, @clack/prompts' progress bar with the rate and the time left in its message;
 * elsewhere (a pipe, a log file) one plain line at most every second and one at the end;
 * with `--json`, nothing.
 */
import { progress as clackProgress, type ProgressResult } from '@clack/prompts';
import { formatCount } from './output.js';

/** What a command feeds with `(done, total)` and ends with `done()` (or `fail()`). */
export interface Progress {
  update(done: number, total: number): void;
  done(summary: string): void;
  fail(): void;
}

export type ProgressMode = 'bar' | 'lines' | 'none';

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}

/** "1,200/10,000 entries · 4,000/s · ETA 3s" */
function describe(done: number, total: number, startedAt: number): string {
  const seconds = (performance.now() - startedAt) / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  const eta = rate > 0 && total >= done ? duration((total - done) / rate) : '?';
  return `${formatCount(done)}/${formatCount(total)} entries · ${formatCount(Math.round(rate))}/s · ETA ${eta}`;
}

export function startProgress(label: string, mode: ProgressMode): Progress {
  const startedAt = performance.now();
  if (mode === 'none') return { update() {}, done() {}, fail() {} };
  if (mode === 'lines') {
    let lastLine = startedAt; // the first line after a second of work, not at once
    return {
      update(done, total) {
        const now = performance.now();
        if (now - lastLine < 1000) return;
        lastLine = now;
        const percent = total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : '';
        process.stderr.write(`${label}: ${describe(done, total, startedAt)}${percent}\n`);
      },
      done(summary) {
        process.stderr.write(`${label}: ${summary}\n`);
      },
      fail() {},
    };
  }
  // The bar needs its maximum when it starts: it starts at the first report, which carries the total.
  let bar: ProgressResult | undefined;
  let shown = 0;
  return {
    update(done, total) {
      if (!bar) {
        bar = clackProgress({ max: Math.max(1, total), output: process.stderr, style: 'heavy', withGuide: false });
        bar.start(`${label} ${describe(0, total, startedAt)}`);
      }
      bar.advance(Math.max(0, done - shown), `${label} ${describe(done, total, startedAt)}`);
      shown = Math.max(shown, done);
    },
    done(summary) {
      if (!bar) {
        process.stderr.write(`${label}: ${summary}\n`);
        return;
      }
      bar.stop(`${label}: ${summary}`);
    },
    fail() {
      bar?.error(`${label}: failed`);
    },
  };
}
