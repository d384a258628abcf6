/** The real @google-cloud/storage client against the local GCS stand-in: the calls the registry makes. */
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';

describe('GCS stand-in with the real storage client', () => {
  let gcs: GcsStandIn;
  let storage: Storage;
  beforeAll(async () => {
    gcs = await startGcsStandIn({ buckets: ['models-bucket'] });
    storage = new Storage({
      apiEndpoint: gcs.endpoint,
      projectId: 'test',
      // Fail fast on injected outages; the registry decides about retries itself.
      retryOptions: { autoRetry: false },
    });
  });
  afterAll(async () => gcs?.stop());

  it('uploads (multipart), downloads, reads metadata, lists and deletes', async () => {
    const bucket = storage.bucket('models-bucket');
    const payload = Buffer.from([0, 1, 2, 250, 251, 252, 10, 13, 45, 45]);
    await bucket
      .file('models/o/r/v1/model.onnx')
      .save(payload, { resumable: false, contentType: 'application/octet-stream' });
    await bucket
      .file('models/o/r/v1/model.json')
      .save('{"a":1}', { resumable: false, contentType: 'application/json' });
    await bucket.file('models/o/r/current.json').save('{"version":"v1"}', { resumable: false });

    expect(gcs.get('models-bucket', 'models/o/r/v1/model.onnx')?.data.equals(payload)).toBe(true);
    const [down] = await bucket.file('models/o/r/v1/model.onnx').download();
    expect(down.equals(payload)).toBe(true);

    const [meta] = await bucket.file('models/o/r/v1/model.json').getMetadata();
    expect(meta.size).toBe('7');
    expect(meta.contentType).toBe('application/json');

    const [files] = await bucket.getFiles({ prefix: 'models/o/r/' });
    expect(files.map((f) => f.name)).toEqual([
      'models/o/r/current.json',
      'models/o/r/v1/model.json',
      'models/o/r/v1/model.onnx',
    ]);

    const [, , apiResponse] = await bucket.getFiles({ prefix: 'models/o/r/', delimiter: '/', autoPaginate: false });
    expect((apiResponse as { prefixes?: string[] }).prefixes).toEqual(['models/o/r/v1/']);

    await bucket.file('models/o/r/v1/model.json').delete();
    expect(gcs.list('models-bucket', 'models/o/r/v1/')).toEqual(['models/o/r/v1/model.onnx']);
  });

  it('paginates listings', async () => {
    const bucket = storage.bucket('models-bucket');
    for (let i = 0; i < 5; i++) gcs.seed('models-bucket', `page/${i}`, String(i));
    const [first, next] = await bucket.getFiles({ prefix: 'page/', maxResults: 2, autoPaginate: false });
    expect(first.map((f) => f.name)).toEqual(['page/0', 'page/1']);
    expect(next).toMatchObject({ pageToken: '2' });
    const [all] = await bucket.getFiles({ prefix: 'page/' });
    expect(all).toHaveLength(5);
  });

  it('enforces ifGenerationMatch preconditions (create-only and compare-and-swap)', async () => {
    const file = storage.bucket('models-bucket').file('cas/current.json');
    await file.save('one', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    await expect(
      file.save('two', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
    ).rejects.toMatchObject({ code: 412 });
    const [meta] = await file.getMetadata();
    await file.save('two', { resumable: false, preconditionOpts: { ifGenerationMatch: Number(meta.generation) } });
    expect(gcs.get('models-bucket', 'cas/current.json')?.data.toString()).toBe('two');
  });

  it('404 for a missing object, 503 during an injected outage', async () => {
    const bucket = storage.bucket('models-bucket');
    await expect(bucket.file('nope').download()).rejects.toMatchObject({ code: 404 });
    gcs.seed('models-bucket', 'here', 'x');
    gcs.setOutage(true);
    try {
      await expect(bucket.file('here').download()).rejects.toMatchObject({ code: 503 });
    } finally {
      gcs.setOutage(false);
    }
    const [ok] = await bucket.file('here').download();
    expect(ok.toString()).toBe('x');
  });

  it('in-transit corruption is caught by the client hash check; stored corruption is served as stored', async () => {
    const bucket = storage.bucket('models-bucket');
    gcs.seed('models-bucket', 'bytes.bin', Buffer.alloc(64, 7));
    gcs.corruptDownloads = true;
    try {
      await expect(bucket.file('bytes.bin').download()).rejects.toMatchObject({ code: 'CONTENT_DOWNLOAD_MISMATCH' });
    } finally {
      gcs.corruptDownloads = false;
    }
    gcs.corruptStored('models-bucket', 'bytes.bin');
    const [damaged] = await bucket.file('bytes.bin').download();
    expect(damaged.equals(Buffer.alloc(64, 7))).toBe(false);
    expect(damaged).toHaveLength(64);
  });

  it('STORAGE_EMULATOR_HOST also points a client at the stand-in', async () => {
    const previous = process.env.STORAGE_EMULATOR_HOST;
    process.env.STORAGE_EMULATOR_HOST = gcs.endpoint;
    try {
      const viaEnv = new Storage({ projectId: 'test' });
      gcs.seed('models-bucket', 'env.txt', 'env');
      const [data] = await viaEnv.bucket('models-bucket').file('env.txt').download();
      expect(data.toString()).toBe('env');
    } finally {
      if (previous === undefined) delete process.env.STORAGE_EMULATOR_HOST;
      else process.env.STORAGE_EMULATOR_HOST = previous;
    }
  });
});
