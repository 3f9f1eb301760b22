import { describe, expect, it } from 'vitest';
import { postsCleaner } from './clean-posts.ts';
import { type Recognised, recogniseHeader } from './file-kinds.ts';
import type { Reject, Value } from './row-cleaner.ts';

const HEADER = ['influencer_id', 'platform', 'date', 'url', 'caption', 'reach', 'likes', 'comments'];
const ctx = { now: new Date('2025-07-01T12:00:00Z'), knownInfluencers: new Set(['1', '2']) };

function fileOf(header: string[]): Recognised {
  const r = recogniseHeader(header);
  if (!r.ok || r.file.kind !== 'posts') throw new Error('not a posts header');
  return r.file;
}

const good = {
  influencer_id: '1',
  platform: 'IG',
  date: '2025-06-01',
  url: 'https://x/p/1',
  caption: 'Great',
  reach: '1,000',
  likes: '22.0',
  comments: '3',
};

/** Cleans one row given by column, the others as in `good`. */
function clean(cells: Partial<typeof good>, header = HEADER): Value[] | Reject {
  const row = { ...good, ...cells } as Record<string, string>;
  return postsCleaner(fileOf(header), ctx).clean(HEADER.map((c) => row[c]!));
}

describe('posts cleaner', () => {
  it('cleans a good row into the load columns', () => {
    expect(clean({})).toEqual(['1', 'Instagram', '2025-06-01', 'https://x/p/1', 'Great', 1000, 22, 3]);
    expect(clean({ influencer_id: ' 2 ', platform: '', url: ' ', caption: '', reach: '', likes: '', comments: '' })).toEqual([
      '2',
      null,
      '2025-06-01',
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it('needs a known influencer', () => {
    expect(clean({ influencer_id: '  ' })).toEqual({ column: 'influencer_id', value: '  ', reason: 'is empty' });
    expect(clean({ influencer_id: ' 99 ' })).toEqual({
      column: 'influencer_id',
      value: ' 99 ',
      reason: 'is not a known influencer; load the influencers file first',
    });
    const long = clean({ influencer_id: 'z'.repeat(300) }) as Reject;
    expect(long.value).toBe('z'.repeat(80));
  });

  it('needs a date from 2000 to tomorrow', () => {
    const notADate = 'is not a date (use YYYY-MM-DD, M/D/YYYY or an ISO timestamp)';
    expect(clean({ date: 'soon' })).toEqual({ column: 'date', value: 'soon', reason: notADate });
    expect(clean({ date: '' })).toEqual({ column: 'date', value: '', reason: notADate });
    expect(clean({ date: '1999-12-31' })).toEqual({
      column: 'date',
      value: '1999-12-31',
      reason: 'is out of range (2000-01-01 to tomorrow)',
    });
    expect(clean({ date: '2025-07-03' })).toEqual({
      column: 'date',
      value: '2025-07-03',
      reason: 'is out of range (2000-01-01 to tomorrow)',
    });
    expect(clean({ date: '7/2/2025' })).toContain('2025-07-02');
  });

  it('needs whole, non-negative counts, if any', () => {
    expect(clean({ reach: 'many' })).toEqual({ column: 'reach', value: 'many', reason: 'is not a whole number' });
    expect(clean({ likes: '2.5' })).toEqual({ column: 'likes', value: '2.5', reason: 'is not a whole number' });
    expect(clean({ comments: 'x' })).toEqual({ column: 'comments', value: 'x', reason: 'is not a whole number' });
    // any negative count is reported on reach, quoting reach, as before
    expect(clean({ likes: '-1' })).toEqual({ column: 'reach', value: '1,000', reason: 'reach, likes and comments must be 0 or more' });
  });

  it('defect 12: limits url and caption, naming the one too long, counting characters as PostgreSQL does', () => {
    // defect 12: the reject names the column that is too long, with its value
    const urlTooLong = 'is longer than 2,000 characters';
    const captionTooLong = 'is longer than 5,000 characters';
    expect(clean({ url: 'u'.repeat(2001), caption: ' Nice ' })).toEqual({ column: 'url', value: 'u'.repeat(80), reason: urlTooLong });
    expect(clean({ url: 'u'.repeat(2001), caption: '' })).toEqual({ column: 'url', value: 'u'.repeat(80), reason: urlTooLong });
    expect(clean({ caption: 'c'.repeat(5001) })).toEqual({ column: 'caption', value: 'c'.repeat(80), reason: captionTooLong });
    expect(clean({ caption: '😀'.repeat(5000) })).toHaveLength(8);
    expect((clean({ caption: '😀'.repeat(5001) }) as Reject).value).toBe('😀'.repeat(80));
  });

  it('checks in the order the SQL did, and names columns as the file does', () => {
    expect(clean({ influencer_id: '99', date: 'soon', reach: 'x' })).toMatchObject({ column: 'influencer_id' });
    expect(clean({ date: 'soon', reach: 'x' })).toMatchObject({ column: 'date' });
    expect(clean({ reach: 'x', likes: 'y' })).toMatchObject({ column: 'reach' });
    const aliased = ['creator_id', 'platform', 'posted_at', 'link', 'title', 'views', 'like_count', 'comment_count'];
    expect(clean({ reach: 'x' }, aliased)).toMatchObject({ column: 'views' });
  });
});
