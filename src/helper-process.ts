// Work that needs much memory for a while (fitting the models, drawing the digest) runs in a
// child process of the one running the stage. A process does not give back memory it has used
// (V8 keeps its heap's pages, glibc its arenas), so one that loads a day's orders, fits the
// models and draws the digest holds the sum of their peaks to its end: ≈ 400–550 MB at 10 M
// orders; apart, none passes 300 MB. A fit's seconds of CPU also stay off the event loop of a
// worker that must renew its job locks. The child runs the entry module's `serveHelper` and ends
// when its parent closes it or ends.
import { fork } from 'node:child_process';
import { getCompileCacheDir } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// biome-ignore lint/suspicious/noExplicitAny: any function a helper serves; callers see its own types
type Methods = Record<string, (...args: any[]) => unknown>;
type Call = { id: number; method: string; args: unknown[] };
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

export interface Helper<M extends Methods> {
  /** Calls `method` in the child; arguments and result cross as structured clones (a Buffer arrives as a Uint8Array). */
  call<K extends keyof M & string>(method: K, ...args: Parameters<M[K]>): Promise<Awaited<ReturnType<M[K]>>>;
  /** Ends the child (calls still waiting are rejected). */
  close(): void;
}

/**
 * Starts `entry` (a module that calls serveHelper) in a child process with this process's Node
 * flags; it loads its modules while the caller goes on. `name` is what errors call it.
 */
export function openHelper<M extends Methods>(entry: URL, name: string): Helper<M> {
  // Node's compile cache from the child's first module on (src/cli/main.js says why; the folder
  // main.js uses, or Node's default one): most of a helper's start is loading modules.
  const cache = getCompileCacheDir?.();
  const env = { ...process.env, NODE_COMPILE_CACHE: cache ? dirname(cache) : join(tmpdir(), 'node-compile-cache') };
  const child = fork(fileURLToPath(entry), [], { env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  let next = 0;
  let ended: Error | undefined;
  const end = (e: Error) => {
    ended ??= e;
    for (const w of waiting.values()) w.reject(ended);
    waiting.clear();
  };
  child.on('message', (r: Reply) => {
    const w = waiting.get(r.id);
    waiting.delete(r.id);
    if (r.ok) w?.resolve(r.value as never);
    else w?.reject(new Error(r.message));
  });
  child.on('error', (e) => end(new Error(`the ${name} process failed: ${e.message}`)));
  child.on('exit', (code, signal) => end(new Error(`the ${name} process stopped (${signal ?? `exit code ${code}`}) before it answered`)));
  return {
    call: (method, ...args) =>
      new Promise((resolve, reject) => {
        if (ended) return reject(ended);
        const id = next++;
        waiting.set(id, { resolve, reject });
        child.send({ id, method, args } satisfies Call);
      }),
    close() {
      end(new Error(`the ${name} process was closed`));
      if (child.connected) child.disconnect();
    },
  };
}

/**
 * The child's side: answers its parent's calls with `methods` (a promise of them while their
 * modules load; calls made meanwhile wait), and exits when the parent closes it or ends.
 */
export function serveHelper(methods: Methods | Promise<Methods>): void {
  process.on('message', async ({ id, method, args }: Call) => {
    let reply: Reply;
    try {
      const m = await methods;
      if (!Object.hasOwn(m, method)) throw new Error(`no method ${method}`);
      reply = { id, ok: true, value: await m[method]!(...args) };
    } catch (e) {
      reply = { id, ok: false, message: e instanceof Error ? e.message : String(e) };
    }
    process.send!(reply);
  });
  process.on('disconnect', () => process.exit(0));
}
