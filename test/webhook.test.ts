// Webhook delivery against a real HTTP server on 127.0.0.1: what arrives (body, signature,
// idempotency key), and which answers are retried. Each test scripts the server's answers.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError, WebhookError } from '../src/errors.ts';
import { postWebhook, verifySignature, type WebhookMessage } from '../src/report/webhook.ts';

interface Seen {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const secret = 'webhook-secret-0123456789';
const message: WebhookMessage = {
  text: 'Week 46 & more',
  blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Week 46 – ROAS 4.3×' } }],
};
const fast = { secret, idempotencyKey: 'digest:2026-W46:sub-1', backoffMs: 5, timeoutMs: 2000 };

let server: Server | undefined;

/** A server answering request n with answers[n] (the last one repeats); `null` never answers. */
async function serve(answers: (((res: ServerResponse) => void) | null)[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const answer = answers[Math.min(seen.length, answers.length) - 1];
      answer?.(res);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/SECRETPATH`, seen };
}
const status =
  (code: number, body = '') =>
  (res: ServerResponse) =>
    res.writeHead(code, { 'content-type': 'text/plain' }).end(body);

afterEach(async () => {
  // a server that never answered still holds its connections open
  const s = server;
  server = undefined;
  if (!s) return;
  s.closeAllConnections();
  await new Promise((resolve) => s.close(resolve));
});

/** The error postWebhook throws; fails the test when it resolves. */
async function failure(p: Promise<unknown>): Promise<WebhookError> {
  const e = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(WebhookError);
  return e as WebhookError;
}

describe('postWebhook', () => {
  it('posts the message as JSON, signed over the raw body', async () => {
    const { url, seen } = await serve([status(200, 'ok')]);
    expect(await postWebhook(url, message, fast)).toEqual({ status: 200, attempts: 1 });
    expect(seen).toHaveLength(1);
    const { headers, body } = seen[0]!;
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(body.toString('utf8'))).toEqual(message);
    const computed = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    expect(headers['x-pulse-signature']).toBe(computed);
    expect(verifySignature(body, headers['x-pulse-signature'] as string, secret)).toBe(true);
    const changed = Buffer.from(body.toString('utf8').replace('Week 46', 'Week 47'));
    expect(changed.equals(body)).toBe(false);
    expect(verifySignature(changed, headers['x-pulse-signature'] as string, secret)).toBe(false);
  });

  it('without a secret: no signature header', async () => {
    const { url, seen } = await serve([status(200)]);
    await postWebhook(url, message, { ...fast, secret: '' });
    expect(seen[0]!.headers).not.toHaveProperty('x-pulse-signature');
    expect(seen[0]!.headers['idempotency-key']).toBe(fast.idempotencyKey);
  });

  it('retries a 500 and delivers once, with the same Idempotency-Key on both attempts', async () => {
    const { url, seen } = await serve([status(500, 'try again'), status(200, 'ok')]);
    expect(await postWebhook(url, message, fast)).toEqual({ status: 200, attempts: 2 });
    expect(seen).toHaveLength(2);
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual([fast.idempotencyKey, fast.idempotencyKey]);
    expect(seen[1]!.body.equals(seen[0]!.body)).toBe(true);
  });

  it('retries a 429 (rate limited)', async () => {
    const { url, seen } = await serve([(res) => res.writeHead(429, { 'retry-after': '0' }).end('rate_limited'), status(204)]);
    expect(await postWebhook(url, message, fast)).toEqual({ status: 204, attempts: 2 });
    expect(seen).toHaveLength(2);
  });

  it('does not retry a 400: one request, and the status and body in the error (never the URL path)', async () => {
    const { url, seen } = await serve([status(400, 'invalid_payload\n  missing blocks'), status(200)]);
    const e = await failure(postWebhook(url, message, fast));
    expect(seen).toHaveLength(1);
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/^webhook http:\/\/127\.0\.0\.1:\d+ answered 400: invalid_payload missing blocks$/);
    expect(e.message).not.toContain('SECRETPATH');
  });

  it('gives up after the last attempt on 5xx, with the last status and body', async () => {
    const { url, seen } = await serve([status(503, 'no_service')]);
    const e = await failure(postWebhook(url, message, { ...fast, attempts: 3 }));
    expect(seen).toHaveLength(3);
    expect(e.status).toBe(503);
    expect(e.message).toMatch(/answered 503: no_service \(attempt 3 of 3\)$/);
  });

  it('retries a server that does not answer within timeoutMs, then throws', async () => {
    const { url, seen } = await serve([null]);
    const started = Date.now();
    const e = await failure(postWebhook(url, message, { ...fast, attempts: 3, timeoutMs: 150 }));
    expect(seen).toHaveLength(3);
    expect(e.status).toBeUndefined();
    expect(e.message).toMatch(/no answer within 150 ms \(attempt 3 of 3\)$/);
    // three timeouts and two backoffs (5 ms, 10 ms): not the default 10 s each
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 150);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('retries a refused connection, then throws with the reason', async () => {
    const { url } = await serve([status(200)]);
    server!.close();
    const e = await failure(postWebhook(url, message, { ...fast, attempts: 2 }));
    expect(e.message).toMatch(/ECONNREFUSED.*\(attempt 2 of 2\)$/);
  });

  it('does not follow a redirect, which would carry the signed body elsewhere', async () => {
    const { url, seen } = await serve([(res) => res.writeHead(307, { location: 'http://example.com/steal' }).end()]);
    const e = await failure(postWebhook(url, message, fast));
    expect(seen).toHaveLength(1);
    expect(e.status).toBe(307);
  });

  it('refuses a URL that is neither https nor loopback http before sending anything', async () => {
    await expect(postWebhook('http://example.com/hook', message, fast)).rejects.toThrow(InputError);
  });
});
