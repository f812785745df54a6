import type { Output } from './output.js';

/** Rows below which no progress is shown: small files finish before a bar would help. */
export const progressThreshold = 5000;

export interface Progress {
  /** Advances by `n` rows (default 1). */
  tick(n?: number): void;
  stop(): void;
}

const silent: Progress = { tick() {}, stop() {} };

/**
 * A progress bar on stderr for long row-by-row work, only when stderr is a terminal and neither --json nor --quiet is
 * given. With a known total it appears only for more than `progressThreshold` rows; without one, it appears (as a row
 * counter) once that many rows have gone by.
 */
export async function startProgress(out: Output, label: string, total: number | null): Promise<Progress> {
  const stream = out.stderrStream;
  if (!stream.isTTY || out.options.json || out.options.quiet) return silent;
  if (total !== null && total <= progressThreshold) return silent;
  const { default: cliProgress } = await import('cli-progress');
  const format =
    total === null
      ? `${label} {value} rows | {duration_formatted}`
      : `${label} [{bar}] {percentage}% | {value}/{total} rows | ETA {eta_formatted}`;
  const bar = new cliProgress.SingleBar(
    { format, stream, hideCursor: true, clearOnComplete: true, fps: 10, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let count = 0;
  return {
    tick(n = 1) {
      count += n;
      if (!started) {
        if (total === null && count < progressThreshold) return;
        bar.start(total ?? 0, count);
        started = true;
        return;
      }
      bar.update(count);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
