// Where a webhook may post: HTTPS anywhere, plain HTTP only to this machine (tests, local receivers),
// so a digest never crosses a network in clear text.

const loopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);

/** The URL, or an Error saying what is allowed. */
export function checkWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`webhook "${text}" is not a URL`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback(url.hostname))) return url;
  throw new Error(`webhook "${text}": use https://, or http:// only on a loopback address (127.0.0.1, ::1, localhost)`);
}
