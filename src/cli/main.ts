#!/usr/bin/env node
// The `pulse` entry point. Node's compile cache (V8 code and stripped TypeScript, kept in the
// OS temp folder) is turned on before anything else is loaded: a command's start is mostly
// loading modules, and a cached module loads several times faster the second time.
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
await import('./program.ts');
