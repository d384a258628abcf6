/**
 * API Gateway REST (v1), HTTP API (v2) and Lambda function URL events, reduced to what a webhook needs.
 * Header names are lower-cased (HTTP headers are case-insensitive; v1 keeps the sender's case).
 */
export interface ApiGatewayV1Event {
  httpMethod: string;
  path?: string;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface ApiGatewayV2Event {
  version: '2.0';
  rawPath?: string;
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string; path?: string } };
}

export type HttpEvent = ApiGatewayV1Event | ApiGatewayV2Event;

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface NormalizedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  rawBody: Buffer;
}

export function normalizeHttpEvent(event: unknown): NormalizedRequest | null {
  if (!event || typeof event !== 'object') return null;
  const e = event as Partial<ApiGatewayV1Event & ApiGatewayV2Event>;
  const method = e.requestContext?.http?.method ?? e.httpMethod;
  if (typeof method !== 'string') return null;
  const path = e.rawPath ?? e.requestContext?.http?.path ?? e.path ?? '/';

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.multiValueHeaders ?? {}))
    if (v?.length) headers[k.toLowerCase()] = v[v.length - 1]!;
  for (const [k, v] of Object.entries(e.headers ?? {})) if (typeof v === 'string') headers[k.toLowerCase()] = v;

  const body = typeof e.body === 'string' ? e.body : '';
  const rawBody = e.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  return { method: method.toUpperCase(), path, headers, rawBody };
}

export function jsonResult(statusCode: number, body: Record<string, unknown>): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
