// The plain-line progress (a pipe, a log file): a line at most once a second, then one summary line; none with --json.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startProgress } from '../src/progress.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function captureStderr(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

describe('plain progress lines', () => {
  it('prints at most one line a second with count, rate, ETA and percent, then the summary', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const lines = captureStderr();
    const progress = startProgress('export', 'lines');
    progress.update(100, 1000); // under a second in: nothing yet
    vi.advanceTimersByTime(1000);
    progress.update(500, 1000);
    progress.update(600, 1000); // the same second: nothing
    vi.advanceTimersByTime(1000);
    progress.update(1000, 1000);
    progress.done('1,000 entries in 2.0s');
    expect(lines).toEqual([
      'export: 500/1,000 entries · 500/s · ETA 1s (50%)\n',
      'export: 1,000/1,000 entries · 500/s · ETA 0s (100%)\n',
      'export: 1,000 entries in 2.0s\n',
    ]);
  });

  it('prints nothing in the none mode (--json)', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const lines = captureStderr();
    const progress = startProgress('import', 'none');
    vi.advanceTimersByTime(5000);
    progress.update(1, 2);
    progress.done('done');
    expect(lines).toEqual([]);
  });
});
