// BullMQ's classes, required rather than imported. BullMQ is CommonJS, and an `import` of it
// makes Node first read and scan the ~100 files its index re-exports, for their export names
// (cjs-module-lexer): ~9 ms of every `pulse trigger`. `require` runs the same code without that
// pass. Code takes BullMQ's values from here; types still come from 'bullmq' (`import type`).
import { createRequire } from 'node:module';

const bullmq = createRequire(import.meta.url)('bullmq') as typeof import('bullmq');

export const { FlowProducer, Queue, UnrecoverableError, Worker } = bullmq;
export type FlowProducer = import('bullmq').FlowProducer;
export type Queue = import('bullmq').Queue;
export type Worker = import('bullmq').Worker;
