// A process that opens a helper, keeps it busy, prints its pid and ends without closing it
// (test/helper-process.test.ts): by process.exit, or with `linger` by running out of work while
// the helper, which lingers, is idle.
import { openHelper } from '../../src/helper-process.ts';
import type { EntryMethods } from './helper-entry.ts';

const linger = process.argv[2] === 'linger';
const helper = openHelper<EntryMethods>(new URL('./helper-entry.ts', import.meta.url), 'test helper', { lingers: linger });
await helper.call('busy');
console.log(await helper.call('pid'));
if (!linger) process.exit(0);
