// A helper process for test/helper-process.test.ts: its methods load after a pause, as a real
// helper's modules do.
import { serveHelper } from '../../src/helper-process.ts';

const methods = new Promise<Record<string, (...args: never[]) => unknown>>((resolve) =>
  setTimeout(
    () =>
      resolve({
        double: (x: number) => x * 2,
        fail: (message: string) => {
          throw new Error(message);
        },
        bytes: () => Buffer.from('PNG bytes'),
        pid: () => process.pid,
        hang: () => new Promise(() => {}),
      }),
    200,
  ),
);
export type EntryMethods = {
  double: (x: number) => number;
  fail: (message: string) => never;
  bytes: () => Buffer;
  pid: () => number;
  hang: () => Promise<never>;
};

serveHelper(methods);
