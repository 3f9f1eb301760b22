#!/usr/bin/env node
// The `pulse` entry point, in plain JavaScript on purpose. Node's compile cache (V8 code and
// stripped TypeScript, kept in the OS temp folder) is turned on before any TypeScript is loaded:
// a command's start is mostly loading modules, a cached module loads several times faster the
// second time, and with every .ts file served stripped from the cache Node never starts its
// TypeScript stripper (a WebAssembly compiler, ~35 ms to load) for a command at all. A .ts
// entry would be stripped before it could turn the cache on.
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
await import('./program.ts');
