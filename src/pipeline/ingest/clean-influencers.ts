import { tierOf } from '../shared/tiers.ts';
import { cleanInt, cleanLabel, cleanPlatform, cleanText, isBlank } from './clean-values.ts';
import type { Recognised } from './file-kinds.ts';
import { columnsOf, type RowCleaner, reject } from './row-cleaner.ts';

export function influencersCleaner(file: Recognised): RowCleaner {
  const { at, label } = columnsOf(file);
  const [iId, iName, iPlatform, iCategory, iGender, iTier, iFollowers] = [
    'influencer_id',
    'name',
    'platform',
    'category',
    'gender',
    'tier',
    'followers',
  ].map(at) as number[];
  return {
    columns: { influencer_id: 'text', name: 'text', platform: 'text', category: 'text', gender: 'text', tier: 'text', followers: 'bigint' },
    clean(f) {
      const id = cleanText(f[iId!]);
      if (id === null) return reject(label('influencer_id'), f[iId!], 'is empty; every influencer needs an id');
      if (id.length > 200) return reject(label('influencer_id'), id, 'is longer than 200 characters');
      const name = cleanText(f[iName!]);
      if (name === null) return reject(label('name'), f[iName!], 'is empty; every influencer needs a name');
      if (name.length > 200) return reject(label('name'), name, 'is longer than 200 characters');
      const followers = cleanInt(f[iFollowers!]);
      if (followers === undefined && !isBlank(f[iFollowers!])) return reject(label('followers'), f[iFollowers!], 'is not a whole number');
      if (followers !== undefined && followers !== null && followers < 0)
        return reject(label('followers'), f[iFollowers!], 'is negative; follower counts are 0 or more');
      const count = followers ?? null;
      return [
        id,
        name,
        cleanPlatform(f[iPlatform!]),
        cleanLabel(f[iCategory!]),
        cleanLabel(f[iGender!]),
        cleanLabel(f[iTier!]) ?? (count === null ? null : tierOf(count)),
        count,
      ];
    },
  };
}
