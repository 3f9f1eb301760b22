/**
 * The days a load's orders fall on, with how many rows each, kept while the rows stream by:
 * core.order_days (which days earlier loads have, for finding repeated rows) and the weeks
 * whose marts the load changes.
 */
export class OrderDays {
  private readonly rowsByDay = new Map<string, number>();

  /** `sign` -1 takes a row back out (a repeat found after the load). */
  add(day: string, sign: 1 | -1 = 1): void {
    this.rowsByDay.set(day, (this.rowsByDay.get(day) ?? 0) + sign);
  }

  /** Days with rows, in order. */
  days(): string[] {
    return [...this.rowsByDay].filter(([, rows]) => rows !== 0).map(([day]) => own(day)).sort();
  }

  /** Parallel arrays for `unnest`: day, rows. */
  arrays(): [string[], number[]] {
    const days = this.days();
    return [days, days.map((d) => this.rowsByDay.get(d)!)];
  }

  /** Mondays of the ISO weeks the rows fall in. */
  weeks(): string[] {
    return [...new Set(this.days().map(mondayOf))].sort();
  }
}

export function mondayOf(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  return new Date(t - ((new Date(t).getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
}

// a day read from the file is a substring of a whole chunk: copied, it does not keep the chunk
const own = (s: string) => Buffer.from(s, 'utf8').toString('utf8');
