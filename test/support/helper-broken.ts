// A helper whose module fails to load (test/helper-process.test.ts).
import { serveHelper } from '../../src/helper-process.ts';

const missing = './no-such-module.ts';
serveHelper(import(missing).then(() => ({})));
