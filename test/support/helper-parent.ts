// A process that opens a helper, keeps it busy, prints its pid and ends without closing it
// (test/helper-process.test.ts): by process.exit, or with `linger` by running out of work while
// the helper, which lingers, is idle (after a call whose argument could not be sent: a call that
// fails must not keep it running either).
import { openHelper } from '../../src/helper-process.ts';
import type { EntryMethods } from './helper-entry.ts';

const linger = process.argv[2] === 'linger';
const helper = openHelper<EntryMethods>(new URL('./helper-entry.ts', import.meta.url), 'test helper', { lingers: linger });
await helper.call('busy');
const unsendable = (() => 1) as unknown as number;
await helper.call('double', unsendable).then(
  () => process.exit(3),
  (e: Error) => {
    if (!/could not be cloned/.test(e.message)) process.exit(4);
  },
);
console.log(await helper.call('pid'));
if (!linger) process.exit(0);
