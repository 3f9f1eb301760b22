import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Who is looking at Bull Board: `viewer` (PULSE_API_TOKEN) reads, `admin` (PULSE_ADMIN_TOKEN) may also change queues. */
export type BoardRole = 'viewer' | 'admin';

export interface BoardAuthOptions {
  apiToken: string;
  adminToken?: string;
  /** Session lifetime; default 8 h. */
  sessionMs?: number;
  /** Failed logins one address may make per window before it gets 429; default 10 per minute. */
  loginLimit?: { failures: number; windowMs: number };
  now?: () => number;
}

export const BOARD_PATH = '/admin/queues';
export const LOGIN_PATH = '/admin/login';
export const LOGOUT_PATH = '/admin/logout';
const COOKIE = 'pulse_board';
const FORBIDDEN = 'changing queues needs the admin token (PULSE_ADMIN_TOKEN)';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * A browser login for Bull Board. A form at /admin/login exchanges a token for a random session id
 * in an HttpOnly, SameSite=Strict cookie (Path=/admin, Secure over https), kept in memory with an
 * expiry. Pages under /admin/queues without a session redirect to the form, its API answers 401.
 * Reading needs PULSE_API_TOKEN; every request that changes queues (any method but GET and HEAD)
 * needs PULSE_ADMIN_TOKEN, as a session or a bearer header, else 403. A bearer header works as
 * before; a wrong one is a 401 whatever cookie comes with it.
 */
export function boardAuth(opts: BoardAuthOptions) {
  const now = opts.now ?? Date.now;
  const sessionMs = opts.sessionMs ?? 8 * 3600_000;
  const limit = opts.loginLimit ?? { failures: 10, windowMs: 60_000 };
  const api = digest(opts.apiToken);
  const admin = opts.adminToken === undefined ? undefined : digest(opts.adminToken);
  const sessions = new Map<string, { role: BoardRole; expires: number }>();
  const failures = new Map<string, { count: number; until: number }>();
  const roles = new WeakMap<FastifyRequest, BoardRole>();

  /** The role a token grants, compared in constant time against both tokens. */
  const roleOf = (token: string): BoardRole | undefined => {
    const d = digest(token);
    const isApi = timingSafeEqual(d, api);
    const isAdmin = admin !== undefined && timingSafeEqual(d, admin);
    return isAdmin ? 'admin' : isApi ? 'viewer' : undefined;
  };

  const sessionOf = (request: FastifyRequest) => {
    const id = cookieValue(request.headers.cookie, COOKIE);
    if (!id) return undefined;
    const s = sessions.get(id);
    if (s && s.expires <= now()) sessions.delete(id);
    return s && s.expires > now() ? { id, ...s } : undefined;
  };

  const sweep = () => {
    const t = now();
    for (const [id, s] of sessions) if (s.expires <= t) sessions.delete(id);
    for (const [ip, f] of failures) if (f.until <= t) failures.delete(ip);
  };

  const cookie = (request: FastifyRequest, value: string, maxAgeS: number) =>
    `${COOKIE}=${value}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${request.protocol === 'https' ? '; Secure' : ''}`;

  const page = (reply: FastifyReply, status: number, html: string) =>
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
      .header('x-frame-options', 'DENY')
      .send(html);

  /**
   * The gate for routes under /admin/queues (the onRequest hook calls it when the matched route is
   * Bull Board's). Returns the reply when it answered, undefined to let the request through.
   */
  const gate = (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    let role: BoardRole | undefined;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      role = m ? roleOf(m[1]!) : undefined;
      if (!role) return problem(reply, 401, 'unauthorized', 'send the header "Authorization: Bearer <PULSE_API_TOKEN>"');
    } else role = sessionOf(request)?.role;
    const reads = request.method === 'GET' || request.method === 'HEAD';
    if (!role) {
      if (reads && !request.routeOptions.url?.startsWith(`${BOARD_PATH}/api/`)) return reply.redirect(LOGIN_PATH, 302);
      return problem(reply, 401, 'unauthorized', `log in at ${LOGIN_PATH}, or send the header "Authorization: Bearer <PULSE_API_TOKEN>"`);
    }
    roles.set(request, role);
    if (!reads && role !== 'admin') return problem(reply, 403, 'forbidden', FORBIDDEN);
    return undefined;
  };

  /** The login form, the login and the logout; no bearer token needed. */
  const routes = async (scope: FastifyInstance) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    scope.get(LOGIN_PATH, async (request, reply) => page(reply, 200, loginPage({ role: sessionOf(request)?.role })));

    scope.post(LOGIN_PATH, async (request, reply) => {
      sweep();
      const ip = request.ip;
      const f = failures.get(ip);
      if (f && f.count >= limit.failures) {
        const wait = Math.max(1, Math.ceil((f.until - now()) / 1000));
        return page(
          reply.header('retry-after', String(wait)),
          429,
          loginPage({ message: `Too many failed logins; try again in ${wait} s.` }),
        );
      }
      const body = request.body as Record<string, unknown> | undefined;
      const token = typeof body?.token === 'string' ? body.token : '';
      const role = token ? roleOf(token) : undefined;
      if (!role) {
        if (f) f.count++;
        else failures.set(ip, { count: 1, until: now() + limit.windowMs });
        request.log.warn({ ip }, 'board login refused');
        return page(reply, 401, loginPage({ message: 'That token is not valid.' }));
      }
      const old = sessionOf(request);
      if (old) sessions.delete(old.id);
      const id = randomBytes(32).toString('base64url');
      sessions.set(id, { role, expires: now() + sessionMs });
      request.log.info({ ip, role }, 'board login');
      return reply
        .header('set-cookie', cookie(request, id, Math.floor(sessionMs / 1000)))
        .header('cache-control', 'no-store')
        .redirect(BOARD_PATH, 303);
    });

    scope.post(LOGOUT_PATH, async (request, reply) => {
      const s = sessionOf(request);
      if (s) sessions.delete(s.id);
      return reply
        .header('set-cookie', cookie(request, '', 0))
        .header('cache-control', 'no-store')
        .redirect(LOGIN_PATH, 303);
    });
  };

  /**
   * For a viewer, Bull Board's queue list says read-only, so its UI offers no buttons that would
   * only get a 403 (the server-side check in `gate` is what protects the queues).
   */
  const markReadOnly = async (request: FastifyRequest, _reply: FastifyReply, payload: unknown) => {
    if (request.routeOptions.url !== `${BOARD_PATH}/api/queues` || roles.get(request) !== 'viewer' || typeof payload !== 'string')
      return payload;
    try {
      const body = JSON.parse(payload) as { queues?: Record<string, unknown>[] };
      for (const q of body.queues ?? []) Object.assign(q, { readOnlyMode: true, allowRetries: false, allowCompletedRetries: false });
      return JSON.stringify(body);
    } catch {
      return payload;
    }
  };

  return { gate, routes, markReadOnly, sessionCount: () => sessions.size };
}

function problem(reply: FastifyReply, status: number, error: string, details: string) {
  return reply.code(status).send({ error, details });
}

/** One cookie's value from a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function loginPage(o: { message?: string; role?: BoardRole }): string {
  const state = o.role
    ? `<p class="state">Signed in ${o.role === 'admin' ? 'as admin: queues can be changed' : 'read-only'}. <a href="${BOARD_PATH}">Open the board</a>.</p>
<form method="post" action="${LOGOUT_PATH}"><button id="logout" type="submit">Log out</button></form>`
    : '';
  const message = o.message ? `<p class="error" role="alert">${escapeHtml(o.message)}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>campaign-pulse: queues login</title>
<style>
body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#1f2933}
h1{font-size:1.3rem}label{display:block;margin:1rem 0 .3rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b42318}.hint{color:#52606d;font-size:.9rem}
</style></head>
<body><h1>Queues (Bull Board)</h1>
${state}${message}<form method="post" action="${LOGIN_PATH}">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button id="login" type="submit">Log in</button>
</form>
<p class="hint">PULSE_API_TOKEN shows the queues; PULSE_ADMIN_TOKEN also lets you clean, pause, retry and remove.</p>
</body></html>
`;
}
