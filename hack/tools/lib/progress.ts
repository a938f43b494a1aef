// A progress bar for long work, on stderr. On a terminal it redraws one line in place
// (`label [█████·····] 45% 450/1,000 12.3/s ETA 45s`) at most ten times a second; when stderr is
// not a terminal (CI, a pipe, a log file) it writes a plain line every `intervalMs` instead
// (`label: 450/1,000 (45.0%), 12.3/s, ETA 45s`) and a last line when finished.
import { duration, grouped } from './output.ts';
import type { Output } from './tool.ts';

export interface ProgressOptions {
  readonly label: string;
  /** Items to do, when known; without it no percentage or ETA is shown. */
  readonly total?: number | undefined;
  readonly out: Output;
  readonly now?: () => number;
  /** Non-terminal: milliseconds between plain lines (default 5000). */
  readonly intervalMs?: number;
  /** Nothing at all (--quiet). */
  readonly silent?: boolean;
}

const BAR = 24;
const REDRAW_MS = 100;

export class Progress {
  private readonly o: ProgressOptions;
  private readonly now: () => number;
  private readonly tty: boolean;
  private readonly startedAt: number;
  private total: number | undefined;
  private done = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private finished = false;

  constructor(o: ProgressOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.tty = o.out.isTTY === true;
    this.startedAt = this.now();
    this.total = o.total;
    this.lastDraw = this.tty ? Number.NEGATIVE_INFINITY : this.startedAt;
  }

  /** `n` more items done. */
  tick(n = 1): void {
    this.update(this.done + n);
  }

  /** `done` items done so far. */
  update(done: number, total?: number): void {
    this.done = done;
    if (total !== undefined) this.total = total;
    const t = this.now();
    const every = this.tty ? REDRAW_MS : (this.o.intervalMs ?? 5000);
    if (t - this.lastDraw < every) return;
    this.lastDraw = t;
    this.draw(t);
  }

  /** The last line; `note` replaces the figures' tail (e.g. "stopped at the checkpoint"). */
  finish(note?: string): void {
    if (this.finished || this.o.silent) return;
    this.finished = true;
    const t = this.now();
    const line = `${this.o.label}: ${this.count()} in ${duration((t - this.startedAt) / 1000)} (${this.rateText(t)})${note ? `, ${note}` : ''}`;
    this.o.out.write(this.tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }

  /** Items per second since the start. */
  rate(t = this.now()): number {
    const s = (t - this.startedAt) / 1000;
    return s > 0 ? this.done / s : 0;
  }

  /** Seconds left at the current rate, when the total is known and work has been done. */
  eta(t = this.now()): number | undefined {
    const r = this.rate(t);
    if (this.total === undefined || r <= 0) return undefined;
    return Math.max(0, this.total - this.done) / r;
  }

  private count(): string {
    return this.total === undefined ? grouped(this.done) : `${grouped(this.done)}/${grouped(this.total)}`;
  }

  private rateText(t: number): string {
    const r = this.rate(t);
    return `${r >= 100 ? r.toFixed(0) : r.toFixed(1)}/s`;
  }

  private draw(t: number): void {
    if (this.o.silent || this.finished) return;
    const eta = this.eta(t);
    const etaText = eta === undefined ? '' : `ETA ${duration(eta)}`;
    const share = this.total ? Math.min(1, this.done / this.total) : undefined;
    if (this.tty) {
      const bar =
        share === undefined
          ? ''
          : `[${'█'.repeat(Math.round(share * BAR)).padEnd(BAR, '·')}] ${Math.floor(share * 100)}% `;
      this.o.out.write(
        `\r\x1b[2K${this.o.label} ${bar}${this.count()} ${this.rateText(t)} ${etaText}`.trimEnd(),
      );
      return;
    }
    const pct = share === undefined ? '' : ` (${(share * 100).toFixed(1)}%)`;
    this.o.out.write(
      `${this.o.label}: ${this.count()}${pct}, ${this.rateText(t)}${etaText ? `, ${etaText}` : ''}\n`,
    );
  }
}
