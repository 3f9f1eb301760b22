import type { Recognised } from './file-kinds.ts';
import { cleanDay, cleanInt, cleanNumber, cleanPlatform, cleanText, isBlank, PLATFORMS, toCents } from './clean-values.ts';
import { columnsOf, copyFields, EARLIEST_DAY, reject, tomorrow, type CleanContext, type Reject } from './row-cleaner.ts';

/** A cleaned tracking row. Revenue is in whole cents, as numeric(14, 2) stores it. */
export interface OrderRow {
  influencer: string;
  source: string | null;
  campaign: string | null;
  user: string | null;
  product: string | null;
  day: string;
  orders: number;
  cents: number;
  /** 0 control, 1 exposed, null: the file has no group */
  grp: 0 | 1 | null;
}

type Field = keyof OrderRow;

// file column (canonical name) → core.orders column and OrderRow field
const COLUMNS: Record<string, [column: string, field: Field]> = {
  influencer_id: ['influencer_id', 'influencer'], source: ['source', 'source'], campaign: ['campaign', 'campaign'],
  user_id: ['user_id', 'user'], product: ['product', 'product'], date: ['order_date', 'day'], orders: ['orders', 'orders'],
  revenue: ['revenue', 'cents'], group: ['grp', 'grp'],
};

const EXPOSED = new Set(['1', '1.0', 'exposed', 'treatment', 'test', 'true', 'yes', 'y']);
const CONTROL = new Set(['0', '0.0', 'control', 'holdout', 'false', 'no', 'n']);

/** 0 = control, 1 = exposed, null = the file has no group; undefined when unreadable. */
export function cleanGroup(t: string | undefined): 0 | 1 | null | undefined {
  if (t === '1') return 1;
  if (t === '0') return 0;
  if (isBlank(t)) return null;
  const s = t!.trim().toLowerCase();
  return EXPOSED.has(s) ? 1 : CONTROL.has(s) ? 0 : undefined;
}

const CANONICAL_ORDERS = /^(0|[1-9]\d{0,6})$/;
const CANONICAL_REVENUE = /^(0|[1-9]\d{0,11})\.\d\d$/;

/**
 * Cleans tracking rows. `clean` applies every rule; `canonical` is its fast path for a
 * record whose cells are already exactly what `clean` would write (an ISO date, a canonical
 * platform name, revenue with two decimals, ...): it returns the same row, or undefined when
 * the record needs `clean`. Both describe a row by the same `text` (cells joined by commas in
 * the file's order, as a canonical record reads), which is what finds repeated rows.
 */
export function ordersCleaner(file: Recognised, ctx: CleanContext) {
  const { at, label } = columnsOf(file);
  const latest = tomorrow(ctx.now);
  const known = ctx.knownInfluencers;
  // the file's known columns in file order; other columns are not loaded
  const present = Object.keys(COLUMNS).filter((c) => at(c) >= 0).sort((a, b) => at(a) - at(b));
  const fields = present.map((c) => COLUMNS[c]![1]);
  const onlyKnownColumns = present.length === file.header.length;
  const [iInfluencer, iSource, iCampaign, iUser, iProduct, iDate, iOrders, iRevenue, iGroup] =
    ['influencer_id', 'source', 'campaign', 'user_id', 'product', 'date', 'orders', 'revenue', 'group'].map(at) as number[];
  const plainText = (s: string | undefined) =>
    s === undefined || (s.length > 0 && s.length <= 200 && s.charCodeAt(0) > 32 && s.charCodeAt(s.length - 1) > 32);

  return {
    /** core.orders columns of `copyText`, in order */
    copyColumns: present.map((c) => COLUMNS[c]![0]),

    clean(f: readonly string[]): OrderRow | Reject {
      const influencer = cleanText(f[iInfluencer!]);
      if (influencer === null) return reject(label('influencer_id'), f[iInfluencer!], 'is empty');
      if (!known.has(influencer)) return reject(label('influencer_id'), influencer, 'is not a known influencer; load the influencers file first');
      const day = cleanDay(f[iDate!]);
      if (!day) return reject(label('date'), f[iDate!], 'is not a date (use YYYY-MM-DD, M/D/YYYY or an ISO timestamp)');
      if (day < EARLIEST_DAY || day > latest) return reject(label('date'), f[iDate!], `is out of range (${EARLIEST_DAY} to tomorrow)`);
      const orders = cleanInt(f[iOrders!]);
      if (orders === null || orders === undefined) return reject(label('orders'), f[iOrders!], 'is not a whole number');
      if (orders < 0 || orders > 1_000_000) return reject(label('orders'), f[iOrders!], 'must be between 0 and 1,000,000');
      const revenue = cleanNumber(f[iRevenue!]);
      if (revenue === null || revenue === undefined) return reject(label('revenue'), f[iRevenue!], 'is not a number');
      if (revenue < 0 || revenue >= 1e12) return reject(label('revenue'), f[iRevenue!], 'must be 0 or more (and below 10^12)');
      const grp = cleanGroup(f[iGroup!]);
      if (grp === undefined) return reject(label('group'), f[iGroup!], 'is not a group: use 0/control or 1/exposed');
      const user = cleanText(f[iUser!]);
      const product = cleanText(f[iProduct!]);
      const campaign = cleanText(f[iCampaign!]);
      if ((user?.length ?? 0) > 200 || (product?.length ?? 0) > 200 || (campaign?.length ?? 0) > 200) {
        return reject(label('user_id'), user, 'user_id, product or campaign is longer than 200 characters');
      }
      return { influencer, source: cleanPlatform(f[iSource!]), campaign, user, product, day, orders, cents: toCents(revenue), grp };
    },

    canonical(f: readonly string[], text: string): OrderRow | undefined {
      if (!onlyKnownColumns || text.includes('\\') || text.includes('\r')) return undefined;
      const influencer = f[iInfluencer!]!;
      const source = f[iSource!];
      const day = f[iDate!]!;
      const orders = f[iOrders!]!;
      const revenue = f[iRevenue!]!;
      const grp = f[iGroup!];
      if (!known.has(influencer) || !plainText(influencer)) return undefined;
      if (source !== undefined && !PLATFORMS.has(source)) return undefined;
      if (!plainText(f[iCampaign!]) || !plainText(f[iUser!]) || !plainText(f[iProduct!])) return undefined;
      if (day.length !== 10 || day < EARLIEST_DAY || day > latest || cleanDay(day) !== day) return undefined;
      if (!CANONICAL_ORDERS.test(orders) || !CANONICAL_REVENUE.test(revenue)) return undefined;
      if (grp !== undefined && grp !== '0' && grp !== '1') return undefined;
      const n = Number(orders);
      if (n > 1_000_000) return undefined;
      return {
        influencer, source: source ?? null, campaign: f[iCampaign!] ?? null, user: f[iUser!] ?? null, product: f[iProduct!] ?? null,
        day, orders: n, cents: Number(revenue.replace('.', '')), grp: grp === undefined ? null : grp === '1' ? 1 : 0,
      };
    },

    /** The row as a canonical record reads: its cells in file order, joined by commas. */
    text(row: OrderRow): string {
      return fields.map((k) => cell(row, k) ?? '').join(',');
    },

    /** The row in COPY text format, columns as `copyColumns`. */
    copyText(row: OrderRow): string {
      return copyFields(fields.map((k) => cell(row, k)));
    },
  };
}

export type OrdersCleaner = ReturnType<typeof ordersCleaner>;

function cell(row: OrderRow, field: Field): string | null {
  const v = row[field];
  if (v === null) return null;
  if (field === 'cents') return centsText(v as number);
  return String(v);
}

const centsText = (cents: number) => `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
