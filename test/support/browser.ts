// Debian's Chromium for the browser tests (installed by .ci/run), and the switches every test
// starts it with: headless, and quiet (no sync, updates or background traffic).
import { existsSync } from 'node:fs';

export const chromiumPath = '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
