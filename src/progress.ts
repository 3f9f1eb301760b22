import type { Logger } from './logger.ts';

/**
 * Progress for long byte streams: a redrawn bar on a terminal, a log line every
 * 10 s otherwise (so CI and log files are not flooded).
 */
export function progress(label: string, totalBytes: number, log: Logger) {
  const tty = process.stderr.isTTY;
  const started = Date.now();
  let seen = 0;
  let rows = 0;
  let lastDraw = 0;
  const draw = (final = false) => {
    const now = Date.now();
    if (!final && now - lastDraw < (tty ? 200 : 10_000)) return;
    lastDraw = now;
    const seconds = Math.max((now - started) / 1000, 0.001);
    const pct = totalBytes ? Math.min(100, (100 * seen) / totalBytes) : 100;
    const mbps = seen / 1e6 / seconds;
    const rowsPerSecond = Math.round(rows / seconds);
    if (tty) {
      const width = 24;
      const filled = Math.round((pct / 100) * width);
      process.stderr.write(
        `\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct.toFixed(0)}% ${rowsPerSecond.toLocaleString('en-US')} rows/s ${mbps.toFixed(1)} MB/s ${final ? '\n' : ''}`,
      );
    } else if (!final && seconds > 5) {
      log.info({ label, percent: Math.round(pct), rows, rowsPerSecond, mbPerSecond: Number(mbps.toFixed(1)) }, 'progress');
    }
  };
  return {
    /** Counts bytes read and rows processed since the last tick. */
    tick: (bytes: number, newRows = 0) => {
      seen += bytes;
      rows += newRows;
      draw();
    },
    done: () => {
      if (totalBytes > 8 * 1024 * 1024) draw(true);
    },
  };
}
