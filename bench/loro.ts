/**
 * Leave-one-repo-out (LORO) study harness for the universal model (issue #14).
 *
 *   npx tsx bench/loro.ts --config '<json>' [--data F] [--out bench/results/loro.jsonl] [--no-nested]
 *
 * For one option set it reports
 * - the landscape: each fixed candidate (title scale × loss × λ) trained on four repos, scored on the fifth
 *   (optimistic: read off the held-out repos, only to see the shape);
 * - the nested figure, what the trainer with `cvBy: 'repo'` does: inside each outer fold (held-out repo R) an inner
 *   LORO over the four training repos picks the candidate (mean inner macro-F1, ties → first) and gives the
 *   out-of-fold scores thresholds come from; the chosen candidate is refit on the four repos and scores R.
 *   Reported: per-repo macro-F1 (argmax), mean, and under the inner-OOF thresholds (precision targets 0.7–0.85):
 *   precision of applied labels and coverage on the held-out repos;
 * - probes: held-out rows with their body removed (title only), and bench/fixtures/short-titles.json.
 *
 * Everything is computed from one Gram matrix over all documents (originals, title-only copies, train-only
 * cleaned copies, probes), split into a title part and a rest part so title scales need no re-featurizing;
 * fits of the same training set are shared between outer and inner folds (inner fold {R, Q} = outer fold's twin).
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readJsonl, type LabeledIssue } from '../src/ml/dataset';
import { featurizeGroups, type SparseVector } from '../src/ml/featurizer';
import { dualScores, fitDual, gramMatrix, subGram, type DualWeights } from '../src/ml/kernel-fit';
import type { Targets } from '../src/ml/linear';
import { scoresInto } from '../src/ml/linear-scorer';
import { computeMetrics } from '../src/ml/metrics';
import { argmaxAt, predictedIndices } from '../src/ml/prediction';
import { chooseThreshold } from '../src/ml/thresholds';
import { resolveFeaturizer } from '../src/ml/train-options';
import { loroArgs } from './loro-config';
import { loroDocs } from './loro-docs';
import { mergeScaled } from '../src/ml/sparse-vector';

const { cfg, dataFile, outFile, nested } = loroArgs(process.argv.slice(2));
const started = Date.now();

const rows: LabeledIssue[] = readJsonl(dataFile);
const LABELS = [...new Set(rows.flatMap((r) => r.labels))].sort();
const C = LABELS.length;
const repos = [...new Set(rows.map((r) => r.repo))].sort();
const repoOf = rows.map((r) => repos.indexOf(r.repo));
const classOf = rows.map((r) => LABELS.indexOf(r.labels[0]!));
const N = rows.length;

const probes = JSON.parse(readFileSync('bench/fixtures/short-titles.json', 'utf8')) as Record<string, string[]>;
const probeRows: { title: string; label: number }[] = [];
for (const l of LABELS) for (const t of probes[l] ?? []) probeRows.push({ title: t, label: LABELS.indexOf(l) });

const settings = resolveFeaturizer(cfg.featurizer);
const w = settings.weights;
const gw = [w.titleWords, w.titleChars, w.bodyWords, w.bodyChars, w.headings, w.meta, w.code];

const { docs, add, testDoc, titleDoc, trainDoc, cleanedDoc } = loroDocs(rows, repos, repoOf, cfg);
const probeDoc = probeRows.map((p) => add(p.title, ''));
const D = docs.length;

const tv: SparseVector[] = [];
const rv: SparseVector[] = [];
for (const d of docs) {
  const g = featurizeGroups(d.issue, settings);
  tv.push(mergeScaled([0, 1].map((k) => ({ v: g[k]!, w: gw[k]! }))));
  rv.push(mergeScaled([2, 3, 4, 5, 6].map((k) => ({ v: g[k]!, w: gw[k]! }))));
}
const sq = (v: SparseVector) => v.values.reduce((a, x) => a + x * x, 0);
const Kt = gramMatrix(tv);
const Kr = gramMatrix(rv);
const Nt = Float64Array.from(tv, sq);
const Nr = Float64Array.from(rv, sq);
process.stderr.write(`${cfg.name}: ${D} docs featurized + Gram in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

/** Gram parts with only the features present in ≥ cfg.minRepos of the training repos (norms stay unmasked). */
function maskedParts(trainRepos: number[]): { Kt: Float64Array; Kr: Float64Array } {
  if (!cfg.minRepos) return { Kt, Kr };
  const inSet = new Set(trainRepos);
  const seen = new Map<number, number>(); // feature → bitmask of repos
  for (let i = 0; i < N; i++) {
    if (!inSet.has(repoOf[i]!)) continue;
    for (const d of [trainDoc[i]!, titleDoc[i]!])
      for (const v of [tv[d]!, rv[d]!]) for (const f of v.indices) seen.set(f, (seen.get(f) ?? 0) | (1 << repoOf[i]!));
  }
  const ok = (f: number) => {
    let m = seen.get(f) ?? 0;
    let c = 0;
    while (m) {
      c += m & 1;
      m >>>= 1;
    }
    return c >= cfg.minRepos!;
  };
  const mask = (v: SparseVector): SparseVector => {
    const keep = [...v.indices.keys()].filter((j) => ok(v.indices[j]!));
    return {
      indices: Int32Array.from(keep, (j) => v.indices[j]!),
      values: Float32Array.from(keep, (j) => v.values[j]!),
    };
  };
  return { Kt: gramMatrix(tv.map(mask)), Kr: gramMatrix(rv.map(mask)) };
}

function combined(t: number, parts: { Kt: Float64Array; Kr: Float64Array } = { Kt, Kr }): Float64Array {
  const { Kt, Kr } = parts;
  const t2 = t * t;
  const inv = Float64Array.from(Nt, (x, i) => {
    const n = t2 * x + Nr[i]!;
    return n > 0 ? 1 / Math.sqrt(n) : 0;
  });
  const K = new Float64Array(D * D);
  for (let i = 0; i < D; i++)
    for (let j = 0; j < D; j++) K[i * D + j] = (t2 * Kt[i * D + j]! + Kr[i * D + j]!) * inv[i]! * inv[j]!;
  return K;
}

const scales = cfg.scales ?? [0.5, 1, 2, 4];
const losses = cfg.losses ?? ['sqhinge', 'logistic'];
const lambdas = [...(cfg.lambdas ?? [1e-3, 1e-4, 1e-5, 1e-6])].sort((a, b) => b - a);
const precisionTargets = cfg.targets ?? [0.7, 0.75, 0.8, 0.85];

interface Cand {
  scale: number;
  loss: 'sqhinge' | 'logistic';
  lambda: number;
  key: string;
}
const cands: Cand[] = [];
for (const scale of scales)
  for (const loss of losses)
    for (const lambda of lambdas) cands.push({ scale, loss, lambda, key: `t${scale}/${loss}/λ${lambda}` });

/** scores[setKey][candKey] = Float64Array(D*C) (NaN where not scored: docs of training repos). */
const cache = new Map<string, Map<string, Float64Array>>();

function fitSet(trainRepos: number[], K: Float64Array, scale: number, loss: 'sqhinge' | 'logistic'): void {
  const setKey = trainRepos.join(',');
  const inSet = new Set(trainRepos);
  const idx: number[] = [];
  const weights: number[] = [];
  const cls: number[] = [];
  for (let i = 0; i < N; i++) {
    if (!inSet.has(repoOf[i]!)) continue;
    idx.push(trainDoc[i]!);
    weights.push(1);
    cls.push(classOf[i]!);
    if (cfg.titleOnly) {
      idx.push(titleDoc[i]!);
      weights.push(cfg.titleOnly);
      cls.push(classOf[i]!);
    }
    if (cleanedDoc && cfg.cleanedCopy) {
      idx.push(cleanedDoc[i]!);
      weights.push(cfg.cleanedCopy);
      cls.push(classOf[i]!);
    }
  }
  // Mean weight 1 keeps λ's scale comparable across augmentation settings.
  const mean = weights.reduce((a, b) => a + b, 0) / weights.length;
  const rw = Float64Array.from(weights, (x) => x / mean);
  const y: Targets = { kind: 'single', nClasses: C, classOf: Int32Array.from(cls) };
  const Ks = subGram(K, D, idx);
  let prev: DualWeights | undefined;
  const m = cache.get(setKey) ?? new Map<string, Float64Array>();
  cache.set(setKey, m);
  const uniform = rw.every((x) => x === 1);
  for (const lambda of lambdas) {
    const dw = fitDual(Ks, idx.length, y, lambda, {
      loss: loss === 'sqhinge' ? 'sqhinge' : 'default',
      ...(prev ? { init: prev } : {}),
      ...(uniform ? {} : { rowWeights: rw }),
      ...(cfg.noBias ? { noBias: true } : {}),
    });
    prev = dw;
    const out = new Float64Array(D * C).fill(NaN);
    const z = new Float64Array(C);
    const scoreDoc = (t: number) => {
      dualScores(K, D, idx, dw, t, z);
      scoresInto('single', z, out, t * C, C);
    };
    for (let i = 0; i < N; i++) {
      if (inSet.has(repoOf[i]!)) continue;
      scoreDoc(testDoc[i]!);
      scoreDoc(titleDoc[i]!);
    }
    if (trainRepos.length === repos.length - 1) for (const p of probeDoc) scoreDoc(p);
    m.set(`t${scale}/${loss}/λ${lambda}`, out);
  }
}

// Training sets: every 4-repo set (outer) and, when nested, every 3-repo set (inner).
const sets: number[][] = [];
const all = repos.map((_, i) => i);
for (const r of all) sets.push(all.filter((x) => x !== r));
if (nested)
  for (let a = 0; a < repos.length; a++)
    for (let b = a + 1; b < repos.length; b++) sets.push(all.filter((x) => x !== a && x !== b));
if (cfg.minRepos) {
  for (const s of sets) {
    const parts = maskedParts(s);
    for (const scale of scales) {
      const K = combined(scale, parts);
      for (const loss of losses) fitSet(s, K, scale, loss);
    }
  }
} else {
  for (const scale of scales) {
    const K = combined(scale);
    for (const loss of losses) for (const s of sets) fitSet(s, K, scale, loss);
    process.stderr.write(`  scale ${scale} done at ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  }
}

const setKeyWithout = (...ex: number[]) => all.filter((x) => !ex.includes(x)).join(',');
const rowsOfRepo = (r: number) => [...Array(N).keys()].filter((i) => repoOf[i] === r);
function macroF1(scores: Float64Array, idxRows: number[], doc: number[]): number {
  return computeMetrics(
    LABELS,
    idxRows.map((i) => rows[i]!.labels),
    idxRows.map((i) => [LABELS[argmaxAt(scores, doc[i]! * C, C)]!]),
  ).macroF1;
}

// ---- landscape ----
const landscape = cands.map((c) => {
  const per = all.map((r) => macroF1(cache.get(setKeyWithout(r))!.get(c.key)!, rowsOfRepo(r), testDoc));
  return { key: c.key, mean: per.reduce((a, b) => a + b, 0) / per.length, per };
});
landscape.sort((a, b) => b.mean - a.mean);

// ---- nested ----
interface Applied {
  applied: number;
  correct: number;
  n: number;
}
const result: Record<string, unknown> = { config: cfg, docs: D };
if (nested) {
  const perRepo: Record<string, unknown> = {};
  const f1s: number[] = [];
  const titleOnlyF1: number[] = [];
  const titleOnlyBugRecall: number[] = [];
  const pooled = new Map<number, Applied>(precisionTargets.map((t) => [t, { applied: 0, correct: 0, n: 0 }]));
  const perRepoApplied = new Map<number, Applied[]>(precisionTargets.map((t) => [t, []]));
  const probeHits: Record<string, number[]> = {};
  const probeThr: Record<string, number[]> = {};
  const probeWrong: Record<string, number[]> = {};
  for (const R of all) {
    const inner = all.filter((x) => x !== R);
    let best: { c: Cand; score: number } | null = null;
    for (const c of cands) {
      const s =
        inner
          .map((Q) => macroF1(cache.get(setKeyWithout(R, Q))!.get(c.key)!, rowsOfRepo(Q), testDoc))
          .reduce((a, b) => a + b, 0) / inner.length;
      if (!best || s > best.score + 1e-12) best = { c, score: s };
    }
    const chosen = best!.c;
    // Inner OOF scores of the chosen candidate → thresholds.
    const oofRows: number[] = [];
    const oof: number[][] = [];
    for (const Q of inner) {
      const sc = cache.get(setKeyWithout(R, Q))!.get(chosen.key)!;
      for (const i of rowsOfRepo(Q)) {
        oofRows.push(i);
        oof.push(Array.from(sc.subarray(testDoc[i]! * C, testDoc[i]! * C + C)));
      }
    }
    const thresholdsAt = (target: number) =>
      LABELS.map((_, c) => {
        const cand = oof.map((s, k) => ({ s, k })).filter(({ s }) => argmaxAt(s, 0, C) === c);
        return chooseThreshold(
          cand.map(({ s }) => s[c]!),
          cand.map(({ k }) => classOf[oofRows[k]!] === c),
          target,
        );
      });
    const outer = cache.get(setKeyWithout(R))!.get(chosen.key)!;
    const rr = rowsOfRepo(R);
    const f1 = macroF1(outer, rr, testDoc);
    f1s.push(f1);
    const tf1 = macroF1(outer, rr, titleDoc);
    titleOnlyF1.push(tf1);
    const bugC = LABELS.indexOf('bug');
    const bugRows = rr.filter((i) => classOf[i] === bugC);
    titleOnlyBugRecall.push(
      bugRows.filter((i) => argmaxAt(outer, titleDoc[i]! * C, C) === bugC).length / bugRows.length,
    );
    const thr: Record<string, (number | null)[]> = {};
    const appliedOut: Record<string, { precision: number; coverage: number }> = {};
    for (const t of precisionTargets) {
      const th = thresholdsAt(t);
      thr[t] = th;
      const a: Applied = { applied: 0, correct: 0, n: rr.length };
      for (const i of rr) {
        const p = predictedIndices('single', outer, th, testDoc[i]! * C);
        if (p.length) {
          a.applied++;
          if (p[0] === classOf[i]) a.correct++;
        }
      }
      const pa = pooled.get(t)!;
      pa.applied += a.applied;
      pa.correct += a.correct;
      pa.n += a.n;
      perRepoApplied.get(t)!.push(a);
      appliedOut[t] = { precision: a.applied ? a.correct / a.applied : 0, coverage: a.applied / a.n };
    }
    // Probes (short titles) with the outer model, argmax and thresholds at 0.75 / 0.8.
    for (const l of LABELS) {
      const ps = probeRows.map((p, k) => ({ p, k })).filter(({ p }) => p.label === LABELS.indexOf(l));
      const hit = ps.filter(({ k }) => argmaxAt(outer, probeDoc[k]! * C, C) === LABELS.indexOf(l)).length / ps.length;
      (probeHits[l] ??= []).push(hit);
      const th = thresholdsAt(0.8);
      const hitT =
        ps.filter(({ k }) => predictedIndices('single', outer, th, probeDoc[k]! * C)[0] === LABELS.indexOf(l)).length /
        ps.length;
      (probeThr[l] ??= []).push(hitT);
      const wrongT =
        ps.filter(({ k }) => {
          const p = predictedIndices('single', outer, th, probeDoc[k]! * C);
          return p.length > 0 && p[0] !== LABELS.indexOf(l);
        }).length / ps.length;
      (probeWrong[l] ??= []).push(wrongT);
    }
    const crash = probeRows.findIndex((p) => p.title === 'App crashes on start');
    perRepo[repos[R]!] = {
      chosen: chosen.key,
      innerScore: +best!.score.toFixed(4),
      macroF1: +f1.toFixed(4),
      titleOnlyMacroF1: +tf1.toFixed(4),
      applied: appliedOut,
      thresholds: thr,
      crashOnStart: LABELS.map((l, c) => `${l} ${outer[probeDoc[crash]! * C + c]!.toFixed(2)}`).join(' '),
    };
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  result.nested = {
    mean: +mean(f1s).toFixed(4),
    min: +Math.min(...f1s).toFixed(4),
    perRepo,
    titleOnlyMeanF1: +mean(titleOnlyF1).toFixed(4),
    titleOnlyBugRecall: +mean(titleOnlyBugRecall).toFixed(3),
    appliedPooled: Object.fromEntries(
      [...pooled].map(([t, a]) => [
        t,
        {
          precision: +(a.correct / Math.max(1, a.applied)).toFixed(3),
          coverage: +(a.applied / a.n).toFixed(3),
          minRepoPrecision: +Math.min(
            ...perRepoApplied.get(t)!.map((x) => (x.applied ? x.correct / x.applied : 1)),
          ).toFixed(3),
          minRepoCoverage: +Math.min(...perRepoApplied.get(t)!.map((x) => x.applied / x.n)).toFixed(3),
        },
      ]),
    ),
    probesArgmax: Object.fromEntries(Object.entries(probeHits).map(([l, v]) => [l, +mean(v).toFixed(3)])),
    probesThr80: Object.fromEntries(Object.entries(probeThr).map(([l, v]) => [l, +mean(v).toFixed(3)])),
    probesWrongThr80: Object.fromEntries(Object.entries(probeWrong).map(([l, v]) => [l, +mean(v).toFixed(3)])),
  };
}
result.landscapeTop = landscape
  .slice(0, 5)
  .map((x) => ({ key: x.key, mean: +x.mean.toFixed(4), per: x.per.map((v) => +v.toFixed(3)) }));
result.landscapeBestPerScaleLoss = Object.fromEntries(
  scales.flatMap((s) =>
    losses.map((l) => {
      const xs = landscape.filter((x) => x.key.startsWith(`t${s}/${l}/`));
      return [`t${s}/${l}`, +Math.max(...xs.map((x) => x.mean)).toFixed(4)];
    }),
  ),
);
result.seconds = Math.round((Date.now() - started) / 1000);
result.at = new Date().toISOString();
mkdirSync(dirname(outFile), { recursive: true });
appendFileSync(outFile, JSON.stringify(result) + '\n');
const n = result.nested as
  | {
      mean: number;
      min: number;
      perRepo: Record<string, { macroF1: number; chosen: string }>;
      appliedPooled: Record<string, { precision: number; coverage: number }>;
      titleOnlyBugRecall: number;
      probesArgmax: Record<string, number>;
    }
  | undefined;
process.stdout.write(
  `${cfg.name}: ${
    n
      ? `nested mean ${n.mean} min ${n.min} [${Object.entries(n.perRepo)
          .map(([r, x]) => `${r.split('/')[1]} ${x.macroF1} (${x.chosen})`)
          .join(', ')}]; applied ${Object.entries(n.appliedPooled)
          .map(([t, a]) => `P≥${t}: ${a.precision}@${a.coverage}`)
          .join(' ')}; title-only bug recall ${n.titleOnlyBugRecall}; probes ${JSON.stringify(n.probesArgmax)}; `
      : ''
  }landscape best ${JSON.stringify(result.landscapeTop && (result.landscapeTop as unknown[])[0])}; ${result.seconds} s\n`,
);
