import type { IncomingMessage, ServerResponse } from 'node:http';
import { DOCS, HttpError, type Result } from './router';
import { NotFound } from './store';

/** Reading requests and writing answers the way GitHub does: JSON error bodies, GitHub's media-type header. */

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function errorResult(err: unknown): Result {
  if (err instanceof HttpError) {
    return {
      status: err.status,
      body: { message: err.message, documentation_url: DOCS, status: String(err.status), ...err.extra },
      headers: err.headers,
    };
  }
  if (err instanceof NotFound)
    return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
  return {
    status: 500,
    body: {
      message: `stand-in bug: ${err instanceof Error ? err.message : String(err)}`,
      documentation_url: DOCS,
      status: '500',
    },
  };
}

export function send(res: ServerResponse, result: Result): void {
  const headers: Record<string, string> = { 'x-github-media-type': 'github.v3; format=json', ...result.headers };
  let payload: string | undefined;
  if (result.raw !== undefined) {
    payload = result.raw;
    headers['content-type'] = result.contentType ?? 'text/plain; charset=utf-8';
  } else if (result.body !== undefined && result.status !== 204 && result.status !== 304) {
    payload = JSON.stringify(result.body);
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  res.writeHead(result.status, headers);
  res.end(payload);
}
