import type { OrderRow } from './clean-orders.ts';

/** One influencer's slots in the sums: by ISO week (its Monday), product, campaign. */
interface InfluencerSlots {
  weeks: Map<string, number>;
  products: Map<string, number>;
  campaigns: Map<string, number>;
}

/**
 * The sums a load adds to core.orders_weekly, orders_product, orders_campaign and order_days,
 * kept while the rows stream by, so KPIs never rescan the orders. Revenue is summed in whole
 * cents: exact, as the stored numeric(14, 2) is. Maps are keyed by the values themselves (no
 * key is built per row) and point to slots of one flat array of rows, orders and cents: at
 * ten million rows there are a million sums, and objects would triple their memory.
 */
export class OrdersAggregates {
  private readonly byInfluencer = new Map<string, InfluencerSlots>();
  private readonly byDay = new Map<string, { monday: string; rows: number }>();
  private sums = new Float64Array(3 * 4096);
  private slots = 0;
  private lastId: string | undefined;
  private last: InfluencerSlots | undefined;

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
    this.bump(this.slotOf(inf.weeks, day.monday), row, sign);
    this.bump(this.slotOf(inf.products, row.product ?? ''), row, sign);
    this.bump(this.slotOf(inf.campaigns, row.campaign ?? ''), row, sign);
  }

  /** Parallel arrays for `unnest`: week, influencer, rows, orders, revenue. */
  weeklyArrays() {
    return this.arrays('weeks');
  }

  /** Parallel arrays for `unnest`: influencer, product (or campaign; '' for none), orders, revenue. */
  dimensionArrays(which: 'products' | 'campaigns') {
    const [influencer, value, , orders, revenue] = this.arrays(which);
    return [value, influencer, orders, revenue];
  }

  /** Parallel arrays for `unnest`: day, rows. */
  dayArrays() {
    const out: unknown[][] = [[], []];
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

  private slotOf(map: Map<string, number>, key: string): number {
    let slot = map.get(key);
    if (slot === undefined) {
      slot = this.slots++;
      if (3 * this.slots > this.sums.length) {
        const grown = new Float64Array(this.sums.length * 2);
        grown.set(this.sums);
        this.sums = grown;
      }
      map.set(own(key), slot);
    }
    return slot;
  }

  private bump(slot: number, row: OrderRow, sign: number) {
    this.sums[3 * slot] += sign;
    this.sums[3 * slot + 1] += sign * row.orders;
    this.sums[3 * slot + 2] += sign * row.cents;
  }

  /** key, influencer, rows, orders, revenue ('1234.50') for each slot with rows */
  private arrays(which: keyof InfluencerSlots): unknown[][] {
    const out: unknown[][] = [[], [], [], [], []];
    for (const [influencer, inf] of this.byInfluencer) {
      for (const [key, slot] of inf[which]) {
        const [rows, orders, cents] = this.sums.subarray(3 * slot, 3 * slot + 3);
        if (rows !== 0) push(out, key, influencer, rows, orders, (cents! / 100).toFixed(2));
      }
    }
    return out;
  }
}

export function mondayOf(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  return new Date(t - ((new Date(t).getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
}

// A cell of a long-lived map key is copied: a substring of a read chunk would keep the whole
// chunk alive as long as the map (V8 shares the chunk's memory for substrings of 13+ chars).
const own = (s: string) => (s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8'));

const push = (cols: unknown[][], ...values: unknown[]) => values.forEach((v, i) => cols[i]!.push(v));
