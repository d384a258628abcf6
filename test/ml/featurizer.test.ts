import { describe, expect, it } from 'vitest';
import {
  checkFeaturizerSettings,
  DEFAULT_FEATURIZER_SETTINGS,
  FEATURIZER_VERSION,
  featurize,
  featurizeGroups,
  type FeaturizerSettings,
} from '../../src/ml/featurizer';

const small: FeaturizerSettings = { ...DEFAULT_FEATURIZER_SETTINGS, dim: 1 << 12 };

function norm(v: { values: Float32Array }): number {
  let s = 0;
  for (const x of v.values) s += x * x;
  return Math.sqrt(s);
}

function valid(v: { indices: Int32Array; values: Float32Array }, dim: number): void {
  expect(v.indices.length).toBe(v.values.length);
  for (let i = 0; i < v.indices.length; i++) {
    expect(v.indices[i]).toBeGreaterThanOrEqual(1);
    expect(v.indices[i]).toBeLessThan(dim);
    if (i > 0) expect(v.indices[i]).toBeGreaterThan(v.indices[i - 1]!);
    expect(Number.isFinite(v.values[i]!)).toBe(true);
  }
}

describe('featurizer', () => {
  it('is deterministic and L2-normalised with sorted indices in [1, dim)', () => {
    const issue = {
      title: 'App crashes on start',
      body: '### Steps to reproduce\n1. run it\n```\nError: boom\n  at main (a.js:1:2)\n```',
    };
    const a = featurize(issue, small);
    const b = featurize({ ...issue }, small);
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(norm(a)).toBeCloseTo(1, 5);
    valid(a, small.dim);
  });

  it('keeps the title distinct from the body', () => {
    const inTitle = featurize({ title: 'memory leak', body: '' }, small);
    const inBody = featurize({ title: '', body: 'memory leak' }, small);
    expect(Array.from(inTitle.indices)).not.toEqual(Array.from(inBody.indices));
  });

  it('turns template headings into features, whatever their markdown level or punctuation', () => {
    const withHeading = featurize({ title: 'x', body: '### Repro steps:\nfoo' }, small);
    const sameHeading = featurize({ title: 'x', body: '## repro  steps\nfoo' }, small);
    const plain = featurize({ title: 'x', body: 'repro steps\nfoo' }, small);
    const set = (v: { indices: Int32Array }) => new Set(v.indices);
    const headingOnly = [...set(withHeading)].filter((i) => !set(plain).has(i));
    expect(headingOnly.length).toBeGreaterThan(0);
    expect(headingOnly.some((i) => set(sameHeading).has(i))).toBe(true);
  });

  it('survives null, missing and non-string fields', () => {
    for (const issue of [
      { title: 'only a title', body: null },
      { title: 'x' },
      { title: '', body: '' },
      { title: null, body: undefined },
      { title: 42, body: { a: 1 } },
    ]) {
      const v = featurize(issue as { title?: unknown; body?: unknown }, small);
      valid(v, small.dim);
      expect(v.indices.length).toBeGreaterThan(0); // meta features (e.g. empty body) are always present
      expect(norm(v)).toBeCloseTo(1, 5);
    }
  });

  it('caps a 1 MB body: the same features as its first maxBodyChars', () => {
    const big = 'lorem ipsum dolor sit amet '.repeat(40_000);
    expect(big.length).toBeGreaterThan(1_000_000);
    const v = featurize({ title: 't', body: big }, small);
    const capped = featurize({ title: 't', body: big.slice(0, small.maxBodyChars) }, small);
    expect(Array.from(v.indices)).toEqual(Array.from(capped.indices));
    valid(v, small.dim);
  });

  it('handles binary junk, lone surrogates, emoji and non-English text', () => {
    let junk = '';
    for (let i = 0; i < 5000; i++) junk += String.fromCharCode((i * 7919) % 65536);
    const cases = [
      { title: '\ud800\udfff\ud800 broken \udc00', body: '\u0000\u0001\uffff\ufeff' + junk },
      { title: '🐛 bug with 🎉 emoji 👍🏽', body: '🔥'.repeat(1000) },
      { title: 'Программа падает при запуске', body: 'Ошибка: не удалось открыть файл' },
      { title: '如何配置代理服务器？', body: '我在使用时遇到了问题，请问怎么解决？' },
      { title: 'عطل في الواجهة', body: 'مرحبا' },
    ];
    for (const c of cases) {
      const v = featurize(c, small);
      valid(v, small.dim);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    // Different scripts give different features (they are not all collapsed onto the same junk bucket).
    const ru = featurize(cases[2]!, small);
    const zh = featurize(cases[3]!, small);
    expect(Array.from(ru.indices)).not.toEqual(Array.from(zh.indices));
  });

  it('emits indicator features for code, stack traces and question phrasing', () => {
    const q = featurize({ title: 'How do I configure it?', body: 'thanks' }, small);
    const s = featurize({ title: 'configure it', body: 'thanks' }, small);
    expect(new Set(q.indices).size).toBeGreaterThan(0);
    expect(Array.from(q.indices)).not.toEqual(Array.from(s.indices));
    const code = featurize({ title: 't', body: 'text\n```\nfoo()\n```' }, small);
    const noCode = featurize({ title: 't', body: 'text\n\nfoo()\n' }, small);
    expect(Array.from(code.indices)).not.toEqual(Array.from(noCode.indices));
  });
});

describe('featurizeGroups', () => {
  it('recombines into featurize(): Σ w_g·group_g, normalised', async () => {
    const { featurizeGroups } = await import('../../src/ml/featurizer');
    const issue = {
      title: 'HttpClient throws in System.Net.Http 4.3.1',
      body: '### Repro\n```\nat Foo.Bar()\n```\nHow do I fix it?',
    };
    const groups = featurizeGroups(issue, small);
    const w = small.weights;
    const gw = [w.titleWords, w.titleChars, w.bodyWords, w.bodyChars, w.headings, w.meta, w.code];
    const acc = new Map<number, number>();
    groups.forEach((g, gi) =>
      g.indices.forEach((idx, j) => acc.set(idx, (acc.get(idx) ?? 0) + gw[gi]! * g.values[j]!)),
    );
    let norm = 0;
    for (const v of acc.values()) norm += v * v;
    const direct = featurize(issue, small);
    direct.indices.forEach((idx, j) => expect(direct.values[j]!).toBeCloseTo(acc.get(idx)! / Math.sqrt(norm), 5));
    expect(direct.indices.length).toBe(acc.size);
  });

  it('emits dotted-name prefixes as features', () => {
    const dotted = featurize({ title: 'x', body: 'system.net.http fails' }, small);
    const spaced = featurize({ title: 'x', body: 'system net http fails' }, small);
    expect(dotted.indices.length).toBeGreaterThan(spaced.indices.length - 5);
    expect(Array.from(dotted.indices)).not.toEqual(Array.from(spaced.indices));
  });
});

describe('featurizer output is pinned (FEATURIZER_VERSION 2)', () => {
  // Speed work on the featurizer must not change a single bit of its output: models record the featurizer version
  // they were trained with, and only a version bump may change what a given text maps to.
  // If this fails after an intended change, bump FEATURIZER_VERSION and retrain models/universal.
  const texts = [
    {
      title: 'App crashes on start',
      body: '### Steps to reproduce\n1. run it\n```\nError: boom\n  at main (a.js:1:2)\n```',
    },
    {
      title: 'How do I use System.Net.Http 4.3.1?',
      body: '**Question**\nIs there a way to set a proxy? https://example.com ![img](x.png)',
    },
    {
      title: 'Feature request: dark mode',
      body: 'It would be nice to have a dark theme.\n- [ ] checklist\n_No response_',
    },
    { title: '', body: '' },
    { title: '🐛 Программа падает 如何配置', body: '\ud800 lone surrogate \u0000 junk '.repeat(50) },
    { title: 'x'.repeat(30), body: 'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(400) },
    // Thousands of distinct words (the word table grows), and words that share their first 24 chars.
    { title: 'many words', body: Array.from({ length: 3000 }, (_, i) => `w${(i * 7919) % 100_003}`).join(' ') },
    {
      title: 'abcdefghijklmnopqrstuvwx abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxy',
      body: 'abcdefghijklmnopqrstuvwx abcdefghijklmnopqrstuvwxyz',
    },
  ];
  const fingerprint = async (dim: number, code: number): Promise<string> => {
    const { createHash } = await import('node:crypto');
    const h = createHash('sha256');
    const settings = { ...DEFAULT_FEATURIZER_SETTINGS, dim, weights: { ...DEFAULT_FEATURIZER_SETTINGS.weights, code } };
    for (const t of texts) {
      const v = featurize(t, settings);
      h.update(Buffer.from(v.indices.buffer, v.indices.byteOffset, v.indices.byteLength));
      h.update(Buffer.from(v.values.buffer, v.values.byteOffset, v.values.byteLength));
    }
    return h.digest('hex').slice(0, 16);
  };

  it('maps the fixed texts to the same indices and values at every supported dim', async () => {
    const got: Record<string, string> = {};
    for (const [dim, code] of [
      [1 << 4, 0],
      [1 << 12, 0],
      [1 << 18, 0],
      [1 << 18, 1],
      [1 << 24, 0],
    ] as const) {
      got[`${dim}/${code}`] = await fingerprint(dim, code);
    }
    expect(got).toEqual(PINNED);
  });
});

// Recorded with the featurizer of 6d280a8 (before the radix-sort rewrite), which trained models/universal.
const PINNED: Record<string, string> = {
  '16/0': '3e68fb0dac2c740c',
  '4096/0': 'cd43733fb8a1edae',
  '262144/0': 'a997f6507ed8d1d6',
  '262144/1': '83fec843cfc7b0cd',
  '16777216/0': '2fa7e8614cc78407',
};

describe('featurizer version 3 settings (universal model, issue #14)', () => {
  const issue = {
    title: 'App crashes on start',
    body: '<!-- fill this in -->\n### Describe the bug\nIt crashes at https://x.io/a after 3 s.\n- [x] searched\n_No response_\n```\nError: boom\n```',
  };
  const v2 = { ...DEFAULT_FEATURIZER_SETTINGS, version: 2 };

  it('version-2 settings (no new fields) featurize exactly as before and pass validation', () => {
    expect(FEATURIZER_VERSION).toBe(3);
    expect(checkFeaturizerSettings(v2)).toBeNull();
    const a = featurize(issue, v2);
    const b = featurize(issue, DEFAULT_FEATURIZER_SETTINGS);
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
  });

  it('refuses the new fields on version-2 settings and unknown versions', () => {
    expect(checkFeaturizerSettings({ ...v2, stripTemplate: true })).toMatch(/version 3/);
    expect(checkFeaturizerSettings({ ...DEFAULT_FEATURIZER_SETTINGS, version: 1 })).toMatch(/version 1/);
  });

  it('stripTemplate, templateMeta: false and normalizeBody each change the output; off = default output', () => {
    const base = featurize(issue, DEFAULT_FEATURIZER_SETTINGS);
    const off = featurize(issue, {
      ...DEFAULT_FEATURIZER_SETTINGS,
      stripTemplate: false,
      templateMeta: true,
      normalizeBody: false,
    });
    expect(Array.from(off.indices)).toEqual(Array.from(base.indices));
    for (const s of [{ stripTemplate: true }, { templateMeta: false }, { normalizeBody: true }]) {
      const v = featurize(issue, { ...DEFAULT_FEATURIZER_SETTINGS, ...s });
      expect(Array.from(v.indices)).not.toEqual(Array.from(base.indices));
    }
  });

  it('stripTemplate removes the template words from the body groups only (title untouched)', () => {
    const s = { ...DEFAULT_FEATURIZER_SETTINGS, stripTemplate: true };
    const groups = featurizeGroups({ title: 'x', body: '### Describe the bug\nsave fails' }, s);
    const plain = featurizeGroups({ title: 'x', body: 'save fails' }, s);
    expect(Array.from(groups[2]!.indices)).toEqual(Array.from(plain[2]!.indices)); // body words
    expect(groups[4]!.indices.length).toBe(1); // the heading is still seen by the headings group
  });
});
