/**
 * Local GCS stand-in: the subset of the GCS JSON API that the real @google-cloud/storage 7 client uses for
 * label-bot's registry — multipart/media upload (the registry uploads with `resumable: false`), `alt=media`
 * download with x-goog-hash (so the client's own integrity check runs), object metadata, list with
 * prefix/delimiter/pagination, delete, bucket get, and ifGenerationMatch / ifMetagenerationMatch preconditions.
 *
 * Point a client at it per instance with `new Storage({ apiEndpoint: standIn.endpoint, projectId })`
 * (or process-wide with STORAGE_EMULATOR_HOST=standIn.endpoint).
 * Fault injection: `setOutage(true)` answers 503 to everything; `failNext(n, status)` answers the next n requests
 * with that status (a short outage, or 401 for missing credentials); `corruptDownloads` flips bytes in transit
 * while keeping the stored hashes; `corruptStored(bucket, name)` damages the stored object itself.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

export interface StoredObject {
  bucket: string;
  name: string;
  data: Buffer;
  contentType: string;
  generation: number;
  metageneration: number;
  metadata: Record<string, string>;
  timeCreated: string;
  updated: string;
}

export interface GcsRequestLog {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

export interface GcsStandIn {
  /** `http://127.0.0.1:PORT` — for `apiEndpoint` or STORAGE_EMULATOR_HOST. */
  endpoint: string;
  stop(): Promise<void>;
  createBucket(name: string): void;
  /** Writes an object directly (no HTTP), bumping its generation. */
  seed(bucket: string, name: string, data: Buffer | string, contentType?: string): StoredObject;
  get(bucket: string, name: string): StoredObject | undefined;
  list(bucket: string, prefix?: string): string[];
  remove(bucket: string, name: string): boolean;
  /** Every request served, in order. */
  requests: GcsRequestLog[];
  /** While true, every request answers 503. */
  setOutage(on: boolean): void;
  /** The next `count` requests answer `status` (default 503); later ones are served normally. */
  failNext(count: number, status?: number): void;
  /** While true, downloads have their bytes flipped but carry the original hashes. */
  corruptDownloads: boolean;
  /** Damages the stored bytes (hashes recomputed, like a bad upload). */
  corruptStored(bucket: string, name: string): void;
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

function crc32c(data: Buffer): string {
  const c = new CRC32C();
  c.update(data);
  return c.toString();
}

function resource(o: StoredObject): Record<string, unknown> {
  return {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `/storage/v1/b/${o.bucket}/o/${encodeURIComponent(o.name)}`,
    name: o.name,
    bucket: o.bucket,
    generation: String(o.generation),
    metageneration: String(o.metageneration),
    contentType: o.contentType,
    size: String(o.data.length),
    md5Hash: md5(o.data),
    crc32c: crc32c(o.data),
    timeCreated: o.timeCreated,
    updated: o.updated,
    storageClass: 'STANDARD',
    metadata: o.metadata,
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Splits a multipart/related body into its parts (headers + raw bytes). */
function parseMultipart(body: Buffer, boundary: string): { headers: Record<string, string>; data: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: Record<string, string>; data: Buffer }[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    // Part = CRLF headers CRLF CRLF data CRLF
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const headerText = part.subarray(0, split).toString();
    const headers: Record<string, string> = {};
    for (const line of headerText.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    parts.push({ headers, data: part.subarray(split + 4) });
    pos = next;
  }
  return parts;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startGcsStandIn(options: { buckets?: string[] } = {}): Promise<GcsStandIn> {
  const buckets = new Map<string, Map<string, StoredObject>>();
  const requests: GcsRequestLog[] = [];
  let outage = false;
  let failing = { count: 0, status: 503 };
  let generationCounter = Date.now() * 1000;
  for (const b of options.buckets ?? []) buckets.set(b, new Map());

  const bucketOrThrow = (name: string): Map<string, StoredObject> => {
    const b = buckets.get(name);
    if (!b) throw new HttpError(404, `The specified bucket does not exist: ${name}`);
    return b;
  };

  const write = (
    bucket: string,
    name: string,
    data: Buffer,
    contentType: string,
    metadata: Record<string, string> = {},
  ): StoredObject => {
    const b = bucketOrThrow(bucket);
    const now = new Date().toISOString();
    const previous = b.get(name);
    const obj: StoredObject = {
      bucket,
      name,
      data,
      contentType,
      generation: ++generationCounter,
      metageneration: 1,
      metadata,
      timeCreated: now,
      updated: now,
    };
    void previous;
    b.set(name, obj);
    return obj;
  };

  const checkPreconditions = (existing: StoredObject | undefined, query: Record<string, string>): void => {
    if (query.ifGenerationMatch !== undefined) {
      const want = Number(query.ifGenerationMatch);
      const have = existing?.generation ?? 0;
      if (want !== have) throw new HttpError(412, 'At least one of the pre-conditions you specified did not hold.');
    }
    if (
      query.ifGenerationNotMatch !== undefined &&
      existing &&
      existing.generation === Number(query.ifGenerationNotMatch)
    ) {
      throw new HttpError(412, 'At least one of the pre-conditions you specified did not hold.');
    }
    if (query.ifMetagenerationMatch !== undefined) {
      if (!existing || existing.metageneration !== Number(query.ifMetagenerationMatch)) {
        throw new HttpError(412, 'At least one of the pre-conditions you specified did not hold.');
      }
    }
  };

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=UTF-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    query: Record<string, string>,
  ): Promise<void> => {
    const method = req.method ?? 'GET';
    // With STORAGE_EMULATOR_HOST the client uses the variable verbatim as its JSON base URL (no /storage/v1).
    const path = url.pathname.startsWith('/b/') ? `/storage/v1${url.pathname}` : url.pathname;
    let m: RegExpMatchArray | null;

    if ((m = path.match(/^\/upload\/storage\/v1\/b\/([^/]+)\/o$/)) && method === 'POST') {
      const bucket = decodeURIComponent(m[1]!);
      const b = bucketOrThrow(bucket);
      const body = await readBody(req);
      const uploadType = query.uploadType ?? 'media';
      let name = query.name;
      let data: Buffer;
      let contentType = 'application/octet-stream';
      let metadata: Record<string, string> = {};
      if (uploadType === 'multipart') {
        const boundary = /boundary="?([^";]+)"?/.exec(req.headers['content-type'] ?? '')?.[1];
        if (!boundary) throw new HttpError(400, 'multipart upload without boundary');
        const [metaPart, mediaPart] = parseMultipart(body, boundary);
        if (!metaPart || !mediaPart) throw new HttpError(400, 'multipart upload needs metadata and media parts');
        const meta = JSON.parse(metaPart.data.toString()) as {
          name?: string;
          contentType?: string;
          metadata?: Record<string, string>;
        };
        name = meta.name ?? name;
        contentType = meta.contentType ?? mediaPart.headers['content-type'] ?? contentType;
        metadata = meta.metadata ?? {};
        data = mediaPart.data;
      } else if (uploadType === 'media') {
        data = body;
        contentType = req.headers['content-type'] ?? contentType;
      } else {
        throw new HttpError(
          501,
          `uploadType=${uploadType} is not supported by the GCS stand-in; upload with resumable: false`,
        );
      }
      if (!name) throw new HttpError(400, 'object name required');
      checkPreconditions(b.get(name), query);
      json(res, 200, resource(write(bucket, name, Buffer.from(data), contentType, metadata)));
      return;
    }

    if ((m = path.match(/^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/))) {
      const bucket = decodeURIComponent(m[1]!);
      const name = decodeURIComponent(m[2]!);
      const b = bucketOrThrow(bucket);
      const obj = b.get(name);
      if (method === 'DELETE') {
        if (!obj) throw new HttpError(404, `No such object: ${bucket}/${name}`);
        checkPreconditions(obj, query);
        b.delete(name);
        res.writeHead(204).end();
        return;
      }
      if (method === 'GET') {
        if (!obj) throw new HttpError(404, `No such object: ${bucket}/${name}`);
        if (query.generation && Number(query.generation) !== obj.generation) {
          throw new HttpError(404, `No such object generation: ${bucket}/${name}#${query.generation}`);
        }
        checkPreconditions(obj, query);
        if (query.alt === 'media') {
          let data = obj.data;
          if (standIn.corruptDownloads) {
            data = Buffer.from(data);
            for (let i = 0; i < data.length; i += 7) data[i] = (data[i] ?? 0) ^ 0xff;
          }
          res.writeHead(200, {
            'content-type': obj.contentType,
            'content-length': data.length,
            'x-goog-hash': `crc32c=${crc32c(obj.data)},md5=${md5(obj.data)}`,
            'x-goog-stored-content-encoding': 'identity',
            'x-goog-generation': String(obj.generation),
            'x-goog-metageneration': String(obj.metageneration),
          });
          res.end(data);
          return;
        }
        json(res, 200, resource(obj));
        return;
      }
    }

    if ((m = path.match(/^\/storage\/v1\/b\/([^/]+)\/o$/)) && method === 'GET') {
      const bucket = decodeURIComponent(m[1]!);
      const b = bucketOrThrow(bucket);
      const prefix = query.prefix ?? '';
      const delimiter = query.delimiter;
      const names = [...b.keys()].filter((n) => n.startsWith(prefix)).sort();
      const items: StoredObject[] = [];
      const prefixes = new Set<string>();
      for (const n of names) {
        if (delimiter) {
          const rest = n.slice(prefix.length);
          const i = rest.indexOf(delimiter);
          if (i !== -1) {
            prefixes.add(prefix + rest.slice(0, i + delimiter.length));
            continue;
          }
        }
        items.push(b.get(n)!);
      }
      const pageSize = Number(query.maxResults ?? 1000);
      const offset = Number(query.pageToken ?? 0);
      const page = items.slice(offset, offset + pageSize);
      const body: Record<string, unknown> = { kind: 'storage#objects', items: page.map(resource) };
      if (prefixes.size > 0) body.prefixes = [...prefixes].sort();
      if (offset + pageSize < items.length) body.nextPageToken = String(offset + pageSize);
      json(res, 200, body);
      return;
    }

    if ((m = path.match(/^\/storage\/v1\/b\/([^/]+)$/)) && method === 'GET') {
      const bucket = decodeURIComponent(m[1]!);
      bucketOrThrow(bucket);
      json(res, 200, { kind: 'storage#bucket', id: bucket, name: bucket, location: 'US', storageClass: 'STANDARD' });
      return;
    }

    throw new HttpError(501, `GCS stand-in does not implement ${method} ${path}`);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const query = Object.fromEntries(url.searchParams.entries());
    const entry: GcsRequestLog = { method: req.method ?? 'GET', path: url.pathname, query, status: 0 };
    requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    if (outage || failing.count > 0) {
      const status = outage ? 503 : failing.status;
      if (!outage) failing.count--;
      req.resume();
      json(res, status, { error: { code: status, message: `HTTP ${status} (injected fault)` } });
      return;
    }
    handle(req, res, url, query).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent)
        json(res, status, { error: { code: status, message, errors: [{ message, reason: String(status) }] } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const standIn: GcsStandIn = {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    createBucket(name) {
      if (!buckets.has(name)) buckets.set(name, new Map());
    },
    seed(bucket, name, data, contentType = 'application/octet-stream') {
      standIn.createBucket(bucket);
      return write(bucket, name, Buffer.isBuffer(data) ? data : Buffer.from(data), contentType);
    },
    get: (bucket, name) => buckets.get(bucket)?.get(name),
    list: (bucket, prefix = '') => [...(buckets.get(bucket)?.keys() ?? [])].filter((n) => n.startsWith(prefix)).sort(),
    remove: (bucket, name) => buckets.get(bucket)?.delete(name) ?? false,
    requests,
    setOutage(on) {
      outage = on;
    },
    failNext(count, status = 503) {
      failing = { count, status };
    },
    corruptDownloads: false,
    corruptStored(bucket, name) {
      const obj = buckets.get(bucket)?.get(name);
      if (!obj) throw new Error(`gcs-stand-in: no object ${bucket}/${name}`);
      const data = Buffer.from(obj.data);
      for (let i = 0; i < data.length; i += 3) data[i] = (data[i] ?? 0) ^ 0x5a;
      obj.data = data;
      obj.generation = ++generationCounter;
    },
  };
  return standIn;
}
