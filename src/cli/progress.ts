/**
 * Progress display for long commands: a cli-progress bar on a terminal, and a plain status line
 * every few seconds otherwise (CI logs, pipes), so a run's speed is always visible.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Starts a task of `total` units, `done` of them already finished. */
  start(total: number, done: number, label: string): void;
  /** Sets the units done and the fields shown after the bar (e.g. bits/dim, images/s). */
  update(done: number, fields: Record<string, string>): void;
  /** Prints a line without breaking the bar. */
  log(line: string): void;
  stop(): void;
}

/** Formats the fields shown after the count as ` | name value | …`, or '' when there are none. */
function formatFields(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([name, value]) => ` | ${name} ${value}`)
    .join('');
}

/** Formats seconds as h:mm:ss or m:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

class TerminalProgress implements Progress {
  private readonly multibar = new cliProgress.MultiBar(
    {
      format: '{label} [{bar}] {value}/{total}{fields}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  private bar: cliProgress.SingleBar | undefined;

  start(total: number, done: number, label: string): void {
    this.bar?.stop();
    this.bar = this.multibar.create(total, done, { label, fields: '' });
  }

  update(done: number, fields: Record<string, string>): void {
    this.bar?.update(done, { fields: formatFields(fields) });
  }

  log(line: string): void {
    this.multibar.log(`${line}\n`);
  }

  stop(): void {
    this.multibar.stop();
  }
}

class LineProgress implements Progress {
  private last = 0;
  private label = '';
  private total = 0;

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs: number,
  ) {}

  start(total: number, done: number, label: string): void {
    this.label = label;
    this.total = total;
    this.last = Date.now();
    this.write(`${label}: ${done}/${total}`);
  }

  update(done: number, fields: Record<string, string>): void {
    const now = Date.now();
    if (now - this.last < this.intervalMs && done < this.total) return;
    this.last = now;
    this.write(`${this.label}: ${done}/${this.total}${formatFields(fields)}`);
  }

  log(line: string): void {
    this.write(line);
  }

  stop(): void {}
}

/** Chooses a bar on an interactive terminal and periodic lines elsewhere. */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) return new TerminalProgress();
  return new LineProgress((line) => stream.write(`${line}\n`), 10_000);
}

/** A progress display that prints nothing, for library use and tests. */
export const silentProgress: Progress = {
  start: () => {},
  update: () => {},
  log: () => {},
  stop: () => {},
};
