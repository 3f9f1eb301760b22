// The helper processes the models stage fits in and the digest stage draws in (src/helper-process.ts):
// answers, errors, a helper that dies, and no helper left behind by a parent that ends.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openHelper } from '../src/helper-process.ts';
import { digestRenderer } from '../src/stages/digest.ts';
import { processAlive } from '../src/stages/run.ts';
import type { EntryMethods } from './support/helper-entry.ts';

const entry = new URL('./support/helper-entry.ts', import.meta.url);
const gone = async (pid: number) => {
  for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !processAlive(pid);
};

describe('a helper process', () => {
  it('answers calls made while its modules load, in another process; a Buffer comes back as bytes', async () => {
    const helper = openHelper<EntryMethods>(entry, 'test helper');
    try {
      const [a, b, pid, bytes] = await Promise.all([
        helper.call('double', 21),
        helper.call('double', 2),
        helper.call('pid'),
        helper.call('bytes'),
      ]);
      expect([a, b]).toEqual([42, 4]);
      expect(pid).not.toBe(process.pid);
      expect(Buffer.from(bytes).toString()).toBe('PNG bytes');
    } finally {
      helper.close();
    }
  });

  it('rejects with the error the method threw (its stack as the cause), and goes on answering', async () => {
    const helper = openHelper<EntryMethods>(entry, 'test helper');
    try {
      const error = await helper.call('fail', 'chart failed to render: no data').catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe('chart failed to render: no data');
      expect(String((error as Error).cause)).toMatch(/helper-entry\.ts/);
      // a result that cannot cross to the parent is an error too, not a dead helper
      await expect(helper.call('unclonable')).rejects.toThrow(/could not be cloned/);
      expect(await helper.call('double', 5)).toBe(10);
    } finally {
      helper.close();
    }
  });

  it('a helper whose modules fail to load answers every call with that failure', async () => {
    const helper = openHelper<{ anything: () => number }>(new URL('./support/helper-broken.ts', import.meta.url), 'broken helper');
    try {
      await expect(helper.call('anything')).rejects.toThrow(/no-such-module/);
      expect(helper.alive()).toBe(true);
    } finally {
      helper.close();
    }
    expect(helper.alive()).toBe(false);
  });

  it("leaves Ctrl-C and SIGTERM to its parent: a worker's current job finishes", async () => {
    const helper = openHelper<EntryMethods>(entry, 'test helper');
    try {
      const pid = await helper.call('pid');
      process.kill(pid, 'SIGINT');
      process.kill(pid, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      expect(await helper.call('double', 4)).toBe(8);
    } finally {
      helper.close();
    }
  });

  it('rejects what it was asked, and what it is asked later, when it dies (no call waits forever)', async () => {
    const helper = openHelper<EntryMethods>(entry, 'test helper');
    const pid = await helper.call('pid');
    const waiting = helper.call('hang');
    process.kill(pid, 'SIGKILL');
    await expect(waiting).rejects.toThrow('the test helper process stopped (SIGKILL) before it answered');
    await expect(helper.call('double', 1)).rejects.toThrow('stopped (SIGKILL)');
    expect(helper.alive()).toBe(false);
    helper.close();
  });

  it('ends when closed, and when the process that opened it ends without closing it, even while busy', async () => {
    const helper = openHelper<EntryMethods>(entry, 'test helper');
    const pid = await helper.call('pid');
    // a timer of its own would keep it running if it did not end on its parent's word
    await helper.call('busy');
    helper.close();
    expect(await gone(pid)).toBe(true);
    await expect(helper.call('double', 1)).rejects.toThrow('the test helper process was closed');

    for (const how of ['exit', 'linger']) {
      // 'linger': the parent ends by running out of work, which it could not while the helper kept it running
      const parent = spawnSync(process.execPath, [new URL('./support/helper-parent.ts', import.meta.url).pathname, how], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(parent.status, `${how}: ${parent.stderr}`).toBe(0);
      const orphan = Number(parent.stdout.trim());
      expect(orphan).toBeGreaterThan(0);
      expect(await gone(orphan), how).toBe(true);
    }
  });

  it('the digest renderer turns MJML into HTML, and says what is wrong with invalid MJML; one per process, started again when gone', async () => {
    const renderer = digestRenderer();
    expect(digestRenderer()).toBe(renderer);
    try {
      const html = await renderer.call(
        'html',
        '<mjml><mj-body><mj-section><mj-column><mj-text>Week 46</mj-text></mj-column></mj-section></mj-body></mjml>',
      );
      expect(html).toContain('Week 46');
      await expect(
        renderer.call(
          'html',
          '<mjml><mj-body><mj-section><mj-column><mj-text colour="red">x</mj-text></mj-column></mj-section></mj-body></mjml>',
        ),
      ).rejects.toThrow('Attribute colour is illegal');
    } finally {
      renderer.close();
    }
    const again = digestRenderer();
    try {
      expect(again).not.toBe(renderer);
      expect(await again.call('html', '<mjml><mj-body></mj-body></mjml>')).toContain('<!doctype html>');
    } finally {
      again.close();
    }
  });
});
