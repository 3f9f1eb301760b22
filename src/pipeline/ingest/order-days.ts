import { isoDay, mondayOf } from '../shared/calendar.ts';

/**
 * The days a load's orders fall on (as YYYYMMDD numbers: no string per row), with how many
 * rows each, kept while the rows stream by: core.order_days (which days earlier loads have,
 * for finding repeated rows) and the weeks whose marts the load changes.
 */
export class OrderDays {
  private readonly rowsByDay = new Map<number, number>();
  // the current run of rows on one day (exports mostly come in day order): one map update a run
  private runDay = 0;
  private runRows = 0;

  /** `sign` -1 takes a row back out (a repeat found after the load). */
  add(day: number, sign: 1 | -1 = 1): void {
    if (day !== this.runDay) {
      this.endRun();
      this.runDay = day;
    }
    this.runRows += sign;
  }

  /** Days with rows, in order, as 'YYYY-MM-DD'. */
  days(): string[] {
    return this.counted().map(([day]) => isoDay(day));
  }

  /** Parallel arrays for `unnest`: day, rows. */
  arrays(): [string[], number[]] {
    const days = this.counted();
    return [days.map(([d]) => isoDay(d)), days.map(([, rows]) => rows)];
  }

  private counted(): [number, number][] {
    this.endRun();
    return [...this.rowsByDay].filter(([, rows]) => rows !== 0).sort(([a], [b]) => a - b);
  }

  private endRun() {
    if (this.runRows !== 0) this.rowsByDay.set(this.runDay, (this.rowsByDay.get(this.runDay) ?? 0) + this.runRows);
    this.runRows = 0;
  }

  /** Mondays of the ISO weeks the rows fall in. */
  weeks(): string[] {
    return [...new Set(this.days().map(mondayOf))].sort();
  }
}
