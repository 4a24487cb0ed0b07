/** Where progress goes: a stream, which may be a terminal (then it redraws a bar in place). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  /** `done` of the total are finished; it only grows, by one or by a whole chunk of schedules. */
  update(done: number): void;
  /** Ends the bar's line, so what follows starts on a fresh one. */
  finish(): void;
}

/**
 * A sweep's progress: on a terminal, one bar redrawn in place; otherwise (a log, CI, a pipe) a plain
 * line every twentieth of the way, which reads well in a file and does not flood it.
 */
export function sweepProgress(total: number, stream: ProgressStream): Progress {
  return stream.isTTY === true ? progressBar(total, stream) : progressLines(total, stream);
}

function progressLines(total: number, stream: ProgressStream): Progress {
  const step = Math.max(1, Math.floor(total / 20));
  let next = step;
  return {
    update(done) {
      if (done < next && done !== total) return;
      stream.write(`sweep: ${done}/${total} schedules\n`);
      // Workers finish whole chunks, so `done` can jump past several steps at once.
      next = (Math.floor(done / step) + 1) * step;
    },
    finish() {},
  };
}

function progressBar(total: number, stream: ProgressStream): Progress {
  let shownPercent = -1;
  return {
    update(done) {
      const percent = Math.floor((done / total) * 100);
      // Redraw only when the figure changes: a single-threaded sweep reports every schedule.
      if (percent === shownPercent) return;
      shownPercent = percent;
      const counts = ` ${String(percent).padStart(3)}% ${done}/${total} schedules`;
      // A terminal that reports no width (0) gets the usual 80 columns.
      const width = Math.max(10, Math.min(40, (stream.columns || 80) - counts.length - 9));
      const filled = Math.round((done / total) * width);
      stream.write(`\rsweep [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${counts}`);
    },
    finish() {
      if (shownPercent >= 0) stream.write('\n');
    },
  };
}
