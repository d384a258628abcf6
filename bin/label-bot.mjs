#!/usr/bin/env node
// Runs the TypeScript CLI straight from source so `npx label-bot` works right after `npm ci`, with no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
