// Work that needs much memory for a while (fitting the models, drawing the digest) runs in a
// child process of the one running the stage. A process does not give back memory it has used
// (V8 keeps its heap's pages, glibc its arenas), so one that loads a day's orders, fits the
// models and draws the digest holds the sum of their peaks to its end: ≈ 400–550 MB at 10 M
// orders; apart, none passes 300 MB. A fit's seconds of CPU also stay off the event loop of a
// worker that must renew its job locks. The child runs the entry module's `serveHelper` and ends
// when its parent closes it or ends (not on Ctrl-C or SIGTERM: those are for the parent, which
// lets its current job finish).
import { fork } from 'node:child_process';
import { getCompileCacheDir } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// biome-ignore lint/suspicious/noExplicitAny: any function a helper serves; callers see its own types
type Methods = Record<string, (...args: any[]) => unknown>;
type Call = { id: number; method: string; args: unknown[] };
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string; stack?: string };

export interface Helper<M extends Methods> {
  /**
   * Calls `method` in the child; arguments and result cross as structured clones (plain data,
   * typed arrays and Buffers, never functions: an option that is a function cannot be passed).
   * Rejects with the child's error (its stack as the `cause`), or when the child ends first.
   */
  call<K extends keyof M & string>(method: K, ...args: Parameters<M[K]>): Promise<Awaited<ReturnType<M[K]>>>;
  /** Whether the child is still there to answer (not closed, not ended). */
  alive(): boolean;
  /** Ends the child (calls still waiting are rejected). Until then it keeps this process running (but see `lingers`). */
  close(): void;
}

/**
 * Starts `entry` (a module that calls serveHelper) in a child process with this process's Node
 * flags; it loads its modules while the caller goes on. `name` is what errors call it. A helper
 * that `lingers` is kept for later calls: it keeps this process running only while a call waits.
 */
export function openHelper<M extends Methods>(entry: URL, name: string, opts: { lingers?: boolean } = {}): Helper<M> {
  // Node's compile cache from the child's first module on (src/cli/main.js says why; the folder
  // main.js uses, or Node's default one): most of a helper's start is loading modules.
  const cache = getCompileCacheDir?.();
  const env = { ...process.env, NODE_COMPILE_CACHE: cache ? dirname(cache) : join(tmpdir(), 'node-compile-cache') };
  const child = fork(fileURLToPath(entry), [], { env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  // whether the child (and its channel) keep this process running: always, or while a call waits
  const hold = () => {
    if (!opts.lingers) return;
    const on = waiting.size > 0;
    for (const handle of [child, child.channel]) if (handle) on ? handle.ref() : handle.unref();
  };
  hold();
  let next = 0;
  let ended: Error | undefined;
  const end = (e: Error) => {
    ended ??= e;
    for (const w of waiting.values()) w.reject(ended);
    waiting.clear();
    hold();
  };
  child.on('message', (r: Reply) => {
    const w = waiting.get(r.id);
    waiting.delete(r.id);
    hold();
    if (r.ok) w?.resolve(r.value as never);
    else w?.reject(new Error(r.message, { cause: r.stack }));
  });
  child.on('error', (e) => {
    end(new Error(`the ${name} process failed: ${e.message}`));
    if (child.connected) child.disconnect();
  });
  child.on('exit', (code, signal) => end(new Error(`the ${name} process stopped (${signal ?? `exit code ${code}`}) before it answered`)));
  return {
    call: (method, ...args) =>
      new Promise((resolve, reject) => {
        if (ended) return reject(ended);
        const id = next++;
        waiting.set(id, { resolve, reject });
        hold();
        try {
          child.send({ id, method, args } satisfies Call);
        } catch (e) {
          // an argument that cannot cross (a function, say): this call fails, the helper stays
          waiting.delete(id);
          hold();
          reject(e);
        }
      }),
    alive: () => ended === undefined,
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
  const loaded = Promise.resolve(methods);
  // a module that fails to load is every call's answer, not an unhandled rejection that ends the child unheard
  loaded.catch(() => {});
  const failure = (id: number, e: unknown): Reply => ({
    id,
    ok: false,
    message: e instanceof Error ? e.message : String(e),
    stack: e instanceof Error ? e.stack : undefined,
  });
  process.on('message', async ({ id, method, args }: Call) => {
    let reply: Reply;
    try {
      const m = await loaded;
      if (!Object.hasOwn(m, method)) throw new Error(`no method ${method}`);
      reply = { id, ok: true, value: await m[method]!(...args) };
    } catch (e) {
      reply = failure(id, e);
    }
    try {
      process.send!(reply);
    } catch (e) {
      // a result that cannot cross (a function in it, say): the caller hears why
      process.send!(failure(id, e));
    }
  });
  // Ctrl-C in a terminal (or a service manager's SIGTERM to the process group) reaches the helper
  // too: the parent decides when it ends, by closing it or by ending.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  process.on('disconnect', () => process.exit(0));
}
