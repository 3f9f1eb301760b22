// A helper process for test/helper-process.test.ts: its methods load after a pause, as a real
// helper's modules do.
import { serveHelper } from '../../src/helper-process.ts';

export type EntryMethods = {
  double: (x: number) => number;
  fail: (message: string) => never;
  bytes: () => Buffer;
  pid: () => number;
  hang: () => Promise<never>;
  /** Starts a timer that would keep the process running on its own. */
  busy: () => boolean;
  unclonable: () => unknown;
};

const methods = new Promise<EntryMethods>((resolve) =>
  setTimeout(
    () =>
      resolve({
        double: (x) => x * 2,
        fail: (message) => {
          throw new Error(message);
        },
        bytes: () => Buffer.from('PNG bytes'),
        pid: () => process.pid,
        hang: () => new Promise(() => {}),
        busy: () => Boolean(setInterval(() => {}, 1000)),
        unclonable: () => ({ f: () => 1 }),
      }),
    200,
  ),
);

serveHelper(methods);
