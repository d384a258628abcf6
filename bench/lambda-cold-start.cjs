// Cold start probe, run as a fresh `node` process by bench/parts/lambda.ts (plain CommonJS: no tsx in the way).
// argv: <bundle handler.js> <event.json>. Prints one JSON line: boot, init (require), first response, GitHub time.
/* global require, process, performance, Response, URL */
/* eslint-disable @typescript-eslint/no-require-imports */
'use strict';
const bootMs = performance.now(); // since process start: Node's own boot, which Lambda's runtime also pays
const { readFileSync } = require('node:fs');
const [bundle, eventFile] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const realFetch = globalThis.fetch;
const api = process.env.GITHUB_API_URL || '';
let githubMs = 0;
let githubCalls = 0;
globalThis.fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (!api || !url.startsWith(api)) return realFetch(input, init);
  const t0 = performance.now();
  githubCalls++;
  try {
    const res = await realFetch(input, init);
    const body = [101, 204, 205, 304].includes(res.status) ? null : await res.arrayBuffer();
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  } finally {
    githubMs += performance.now() - t0;
  }
};
const t0 = performance.now();
const { webhooks } = require(bundle);
const initMs = performance.now() - t0;
const t1 = performance.now();
webhooks(event).then(
  (res) => {
    const firstResponseMs = performance.now() - t1;
    process.stdout.write(
      JSON.stringify({ bootMs, initMs, firstResponseMs, githubMs, githubCalls, status: res.statusCode }) + '\n',
    );
    process.exit(0);
  },
  (err) => {
    process.stdout.write(JSON.stringify({ error: String(err && err.message) }) + '\n');
    process.exit(1);
  },
);
