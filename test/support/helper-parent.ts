// A process that opens a helper, keeps it busy, prints its pid and ends without closing it (test/helper-process.test.ts).
import { openHelper } from '../../src/helper-process.ts';
import type { EntryMethods } from './helper-entry.ts';

const helper = openHelper<EntryMethods>(new URL('./helper-entry.ts', import.meta.url), 'test helper');
await helper.call('busy');
console.log(await helper.call('pid'));
process.exit(0);
