// Where a webhook may post: HTTPS anywhere, plain HTTP only to this machine (tests, local receivers),
// so a digest never crosses a network in clear text.

const ALLOWED = 'a webhook URL must start with https://, or http:// on a loopback host (127.0.0.0/8, ::1, localhost)';

// A Slack webhook's path is its credential: messages name the scheme and host only.
export const urlOrigin = (u: URL) => `${u.protocol}//${u.host}`;

/** The parsed URL, or an Error saying what is allowed (never quoting the URL's path). */
export function checkWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (e) {
    throw new Error(`webhook URL is not a URL: ${ALLOWED}`, { cause: e });
  }
  // The URL parser has already normalised 127.1 and 0x7f.0.0.1 to dotted quads, and [0::1] to [::1].
  const loopback = /^127\.\d+\.\d+\.\d+$/.test(parsed.hostname) || parsed.hostname === '[::1]' || parsed.hostname === 'localhost';
  if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && loopback)) return parsed;
  throw new Error(`webhook URL ${urlOrigin(parsed)} refused: ${ALLOWED}`);
}
