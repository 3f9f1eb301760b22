import { cleanDay, cleanInt, cleanPlatform, cleanText } from './clean-values.ts';
import type { Recognised } from './file-kinds.ts';
import { left, longerThan } from './pg-text.ts';
import { type CleanContext, columnsOf, EARLIEST_DAY, type RowCleaner, reject, tomorrow } from './row-cleaner.ts';

/** A post row as sql/load/posts.sql reads it from load_rows; the post key is hashed there. */
export const POST_COLUMNS = {
  influencer_id: 'text',
  platform: 'text',
  post_date: 'date',
  url: 'text',
  caption: 'text',
  reach: 'bigint',
  likes: 'bigint',
  comments: 'bigint',
} as const;

/**
 * Cleans post rows: a known influencer, a date in range, readable non-negative reach, likes and
 * comments (each may be missing), url and caption within their lengths; checked in that order,
 * so a row is rejected with the first reason that applies.
 */
export function postsCleaner(file: Recognised, ctx: CleanContext): RowCleaner {
  const { at, label } = columnsOf(file);
  const [iInfluencer, iPlatform, iDate, iUrl, iCaption, iReach, iLikes, iComments] = [
    'influencer_id',
    'platform',
    'date',
    'url',
    'caption',
    'reach',
    'likes',
    'comments',
  ].map(at) as number[];
  const latest = tomorrow(ctx.now);
  return {
    columns: POST_COLUMNS,
    clean(f) {
      const influencer = cleanText(f[iInfluencer!]);
      if (influencer === null) return reject(label('influencer_id'), f[iInfluencer!], 'is empty');
      if (!ctx.knownInfluencers.has(influencer)) {
        return reject(label('influencer_id'), left(f[iInfluencer!]!, 80), 'is not a known influencer; load the influencers file first');
      }
      const day = cleanDay(f[iDate!]);
      if (!day) return reject(label('date'), f[iDate!], 'is not a date (use YYYY-MM-DD, M/D/YYYY or an ISO timestamp)');
      if (day < EARLIEST_DAY || day > latest) return reject(label('date'), f[iDate!], `is out of range (${EARLIEST_DAY} to tomorrow)`);
      // counts may be missing (null), not unreadable (undefined)
      const reach = cleanInt(f[iReach!]);
      if (reach === undefined) return reject(label('reach'), f[iReach!], 'is not a whole number');
      const likes = cleanInt(f[iLikes!]);
      if (likes === undefined) return reject(label('likes'), f[iLikes!], 'is not a whole number');
      const comments = cleanInt(f[iComments!]);
      if (comments === undefined) return reject(label('comments'), f[iComments!], 'is not a whole number');
      if ((reach ?? 0) < 0 || (likes ?? 0) < 0 || (comments ?? 0) < 0) {
        return reject(label('reach'), f[iReach!], 'reach, likes and comments must be 0 or more');
      }
      const url = cleanText(f[iUrl!]);
      const caption = cleanText(f[iCaption!]);
      if (longerThan(url, 2000)) return reject(label('url'), left(url!, 80), 'is longer than 2,000 characters');
      if (longerThan(caption, 5000)) return reject(label('caption'), left(caption!, 80), 'is longer than 5,000 characters');
      return [influencer, cleanPlatform(f[iPlatform!]), day, url, caption, reach, likes, comments];
    },
  };
}
