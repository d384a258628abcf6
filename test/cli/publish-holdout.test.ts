/**
 * `label-bot publish --holdout-data F`: the guard compares candidate and current on the newest issues of F (the one
 * comparison `onboard` and `retrain` use), not on their own CV scores. Real trained models, the GCS stand-in.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishCli } from '../../src/cli/commands/publish';
import type { LabeledIssue } from '../../src/ml/dataset';
import { writeModelDir } from '../../src/ml/model-io';
import { trainModel } from '../../src/ml/train';
import type { RegistryCliIo } from '../../src/registry/cli-support';
import { seededRandom } from '../../src/seeded-random';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-stand-in';

const KINDS = ['bug', 'feature', 'question'] as const;
/** Old wording, then new wording the old model never saw. */
const WORDS = {
  old: {
    bug: ['crashes', 'exception', 'broken'],
    feature: ['add', 'support', 'allow'],
    question: ['how', 'why', 'what'],
  },
  new: {
    bug: ['segfault', 'leak', 'deadlock'],
    feature: ['proposal', 'roadmap', 'wish'],
    question: ['explain', 'unclear', 'clarify'],
  },
};
const things = ['parser', 'cache', 'exporter', 'dashboard', 'uploader'];

function rows(era: 'old' | 'new', from: number, count: number): LabeledIssue[] {
  const rnd = seededRandom(from);
  return Array.from({ length: count }, (_, i) => {
    const kind = KINDS[i % 3]!;
    const w = WORDS[era][kind];
    return {
      repo: 'acme/widgets',
      title: `${w[Math.floor(rnd() * w.length)]} ${things[Math.floor(rnd() * things.length)]}`,
      body: `report ${from + i}`,
      labels: [kind],
      createdAt: new Date(Date.UTC(2026, 0, 1) + (from + i) * 3_600_000).toISOString(),
    };
  });
}

const FAST = { featurizer: { dim: 4096 }, lambdas: [1e-3], folds: 3, titleScales: [1], loss: 'sqhinge' as const };

describe('publish --holdout-data: one guard, measured on the newest issues', () => {
  let gcs: GcsStandIn;
  let dir: string;
  let io: RegistryCliIo;
  let out: string[];
  let err: string[];
  const old = rows('old', 0, 150);
  const drift = rows('new', 150, 100);
  const model = (name: string, data: LabeledIssue[], seed: number) => {
    const d = join(dir, name);
    writeModelDir(d, trainModel(data, { ...FAST, seed }), { name: 'acme/widgets', seed });
    return d;
  };

  beforeAll(async () => {
    gcs = await startGcsStandIn({ buckets: ['holdout-bucket'] });
    dir = mkdtempSync(join(tmpdir(), 'publish-holdout-'));
    out = [];
    err = [];
    io = {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      env: { LABEL_BOT_BUCKET: 'holdout-bucket', STORAGE_API_ENDPOINT: gcs.endpoint },
    };
    // F: every issue; its newest 20 % (50 rows) are all in the new wording.
    writeFileSync(
      join(dir, 'issues.jsonl'),
      [...old, ...drift].map((r) => JSON.stringify({ ...r, created_at: r.createdAt })).join('\n') + '\n',
    );
  });
  afterAll(async () => {
    await gcs?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a model that applies nothing on the newest issues; then publishes only a model better there', async () => {
    const F = join(dir, 'issues.jsonl');
    const oldModel = model('old', old, 1);
    expect(await publishCli('acme/widgets', oldModel, { holdoutData: F }, io), err.join('')).toBe(2);
    // The old model knows none of the new words: on the newest issues it applies nothing. Refused even as a first model.
    expect(err.join('')).toBe('publish failed: on the newest issues the model applies no label at all\n');
    expect(await publishCli('acme/widgets', oldModel, { holdoutData: F, force: true }, io)).toBe(0);

    // Trained on the older issues of both eras (not on the 50 newest): better there, so it replaces the current one.
    const newer = model('newer', [...old, ...drift.slice(0, 50)], 1);
    out.length = 0;
    expect(await publishCli('acme/widgets', newer, { holdoutData: F }, io), err.join('')).toBe(0);
    expect(out.join('')).toMatch(
      /; on the newest 50 issues of \S+issues\.jsonl \(from 2026-01-\S+\): macro-F1 (0\.\d+|1\.000) on the newest 50 issues beats current \S+'s 0\.\d+; precision/,
    );

    // Fewer examples of the new wording: applies labels, precisely enough, but is not better than the current one.
    err.length = 0;
    const fewer = model('fewer', [...old, ...drift.slice(0, 15)], 2);
    expect(await publishCli('acme/widgets', fewer, { holdoutData: F, minPrecision: 0.1 }, io)).toBe(2);
    expect(err.join('')).toMatch(
      /^publish failed: macro-F1 (0\.\d+|1\.000) on the newest 50 issues is not better than current \S+'s (0\.\d+|1\.000)/m,
    );
    expect(await publishCli('acme/widgets', fewer, { holdoutData: F, force: true }, io)).toBe(0);
  }, 120_000);

  it('says when the candidate was trained on the holdout itself (its figures are then optimistic)', async () => {
    err.length = 0;
    const all = model('all', [...old, ...drift], 4);
    await publishCli('acme/widgets', all, { holdoutData: join(dir, 'issues.jsonl') }, io);
    expect(err.join('')).toMatch(
      /^note: the candidate was trained on issues up to \S+, inside the holdout \(from \S+\): its figures are optimistic$/m,
    );
  }, 60_000);
});
