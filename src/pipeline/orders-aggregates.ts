import type { OrderRow } from './clean-orders.ts';

interface Sums { rows: number; orders: number; cents: number }

/** One influencer's sums: by ISO week (its Monday), product, campaign. */
interface InfluencerSums {
  weeks: Map<string, Sums>;
  products: Map<string, Sums>;
  campaigns: Map<string, Sums>;
}

/**
 * The sums a load adds to core.orders_weekly, orders_product, orders_campaign and order_days,
 * kept while the rows stream by, so KPIs never rescan the orders. Revenue is summed in whole
 * cents: exact, as the stored numeric(14, 2) is. Maps are keyed by the values themselves, so
 * no key is built per row.
 */
export class OrdersAggregates {
  private readonly byInfluencer = new Map<string, InfluencerSums>();
  private readonly byDay = new Map<string, { monday: string; rows: number }>();
  private lastId: string | undefined;
  private last: InfluencerSums | undefined;

  /** `sign` -1 takes a row back out (a repeat found after the load). */
  add(row: OrderRow, sign: 1 | -1 = 1): void {
    // exports often list an influencer's rows together
    let inf = row.influencer === this.lastId ? this.last : this.byInfluencer.get(row.influencer);
    if (!inf) {
      inf = { weeks: new Map(), products: new Map(), campaigns: new Map() };
      this.byInfluencer.set(own(row.influencer), inf);
    }
    this.lastId = row.influencer;
    this.last = inf;
    let day = this.byDay.get(row.day);
    if (!day) this.byDay.set(own(row.day), (day = { monday: mondayOf(row.day), rows: 0 }));
    day.rows += sign;
    bump(sumsFor(inf.weeks, day.monday), row, sign);
    bump(sumsFor(inf.products, row.product ?? ''), row, sign);
    bump(sumsFor(inf.campaigns, row.campaign ?? ''), row, sign);
  }

  /** Parallel arrays for `unnest`: week, influencer, rows, orders, revenue. */
  weeklyArrays() {
    const out = columns(5);
    for (const [influencer, inf] of this.byInfluencer) {
      for (const [week, s] of inf.weeks) if (s.rows !== 0) push(out, week, influencer, s.rows, s.orders, revenue(s));
    }
    return out;
  }

  /** Parallel arrays for `unnest`: influencer, product (or campaign; '' for none), orders, revenue. */
  dimensionArrays(which: 'products' | 'campaigns') {
    const out = columns(4);
    for (const [influencer, inf] of this.byInfluencer) {
      for (const [value, s] of inf[which]) if (s.rows !== 0) push(out, influencer, value, s.orders, revenue(s));
    }
    return out;
  }

  /** Parallel arrays for `unnest`: day, rows. */
  dayArrays() {
    const out = columns(2);
    for (const [day, d] of this.byDay) if (d.rows !== 0) push(out, day, d.rows);
    return out;
  }

  /** Days with rows, in order. */
  days(): string[] {
    return [...this.byDay].filter(([, d]) => d.rows !== 0).map(([day]) => day).sort();
  }

  /** Mondays of the ISO weeks the rows fall in. */
  weeks(): string[] {
    return [...new Set([...this.byDay.values()].filter((d) => d.rows !== 0).map((d) => d.monday))].sort();
  }
}

export function mondayOf(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  return new Date(t - ((new Date(t).getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
}

// A cell of a long-lived map key is copied: a substring of a read chunk would keep the whole
// chunk alive as long as the map (V8 shares the chunk's memory for substrings of 13+ chars).
const own = (s: string) => (s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8'));

function sumsFor(map: Map<string, Sums>, key: string): Sums {
  let s = map.get(key);
  if (!s) map.set(own(key), (s = { rows: 0, orders: 0, cents: 0 }));
  return s;
}

function bump(s: Sums, row: OrderRow, sign: number) {
  s.rows += sign;
  s.orders += sign * row.orders;
  s.cents += sign * row.cents;
}

const revenue = (s: Sums) => (s.cents / 100).toFixed(2);
const columns = (n: number): unknown[][] => Array.from({ length: n }, () => []);
const push = (cols: unknown[][], ...values: unknown[]) => values.forEach((v, i) => cols[i]!.push(v));
