/**
 * Fitting the L2-regularised linear model in its dual (representer) form.
 *
 * With W = Xᵀ A (A is rows × classes), the logits are K A + b with the Gram matrix K = X Xᵀ, and the
 * penalty λ/2‖W‖² is λ/2⟨A, K A⟩. We run exactly the primal L-BFGS, but keep every vector (iterate,
 * gradient, history) in dual coordinates together with its image under K; inner products are then
 * ⟨u, K v⟩ and linear combinations carry their K-images along, so one n×n×C product per accepted step
 * is the only dense work. Issues have thousands of features but a data set has hundreds to a few
 * thousand rows, so this is far cheaper than iterating over the hashed feature space, and it reaches the
 * same optimum (the problem is strictly convex in W).
 */
import type { SparseVector } from './sparse-vector';
import type { ModelKind, Targets } from './linear';

/** Full symmetric Gram matrix (row-major n×n) of the given vectors, via an inverted index over features. */
export function gramMatrix(vectors: readonly SparseVector[]): Float64Array {
  const n = vectors.length;
  const K = new Float64Array(n * n);
  // Posting lists: feature → (row, value), rows ascending.
  const postings = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const v = vectors[i]!;
    for (let j = 0; j < v.indices.length; j++) {
      const f = v.indices[j]!;
      let p = postings.get(f);
      if (!p) postings.set(f, (p = []));
      p.push(i, v.values[j]!);
    }
  }
  // Deterministic order: features ascending.
  const features = [...postings.keys()].sort((a, b) => a - b);
  for (const f of features) {
    const p = postings.get(f)!;
    const len = p.length;
    for (let a = 0; a < len; a += 2) {
      const i = p[a]!;
      const vi = p[a + 1]!;
      const row = i * n;
      for (let b = a; b < len; b += 2) K[row + p[b]!]! += vi * p[b + 1]!;
    }
  }
  // Mirror the upper triangle.
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) K[j * n + i] = K[i * n + j]!;
  return K;
}

/** K restricted to rows/cols `idx` (in that order). */
export function subGram(K: Float64Array, n: number, idx: readonly number[]): Float64Array {
  const m = idx.length;
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    const src = idx[a]! * n;
    const dst = a * m;
    for (let b = 0; b < m; b++) out[dst + b] = K[src + idx[b]!]!;
  }
  return out;
}

export interface DualWeights {
  /** Row-major [n × C]. */
  A: Float64Array;
  b: Float64Array;
  iterations: number;
}

interface Vec {
  a: Float64Array; // dual coordinates n×C
  ka: Float64Array; // K·a
  b: Float64Array; // bias part, C
}

function newVec(nC: number, C: number): Vec {
  return { a: new Float64Array(nC), ka: new Float64Array(nC), b: new Float64Array(C) };
}

/** ⟨u, v⟩ in the primal: Σ u.a ⊙ K v.a + u.b · v.b */
function inner(u: Vec, v: Vec): number {
  let s = 0;
  const ua = u.a;
  const vka = v.ka;
  for (let i = 0; i < ua.length; i++) s += ua[i]! * vka[i]!;
  for (let c = 0; c < u.b.length; c++) s += u.b[c]! * v.b[c]!;
  return s;
}

/** u += s·v (all parts) */
function axpy(u: Vec, s: number, v: Vec): void {
  for (let i = 0; i < u.a.length; i++) {
    u.a[i]! += s * v.a[i]!;
    u.ka[i]! += s * v.ka[i]!;
  }
  for (let c = 0; c < u.b.length; c++) u.b[c]! += s * v.b[c]!;
}

function scale(u: Vec, s: number): void {
  for (let i = 0; i < u.a.length; i++) {
    u.a[i]! *= s;
    u.ka[i]! *= s;
  }
  for (let c = 0; c < u.b.length; c++) u.b[c]! *= s;
}

function copy(dst: Vec, src: Vec): void {
  dst.a.set(src.a);
  dst.ka.set(src.ka);
  dst.b.set(src.b);
}

/** out = K · M for M row-major n×C. */
function kTimes(K: Float64Array, n: number, C: number, M: Float64Array, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    const o = i * C;
    for (let j = 0; j < n; j++) {
      const k = K[row + j]!;
      if (k === 0) continue;
      const m = j * C;
      for (let c = 0; c < C; c++) out[o + c]! += k * M[m + c]!;
    }
  }
}

/**
 * z = b + Σ_a K[doc, idx[a]]·A[a]: the raw scores of document `doc` (a row of the D×D Gram matrix K) under dual
 * weights fitted on documents `idx`, written into z (length = classes).
 */
export function dualScores(
  K: Float64Array,
  D: number,
  idx: readonly number[],
  dw: DualWeights,
  doc: number,
  z: Float64Array,
): void {
  const C = z.length;
  for (let c = 0; c < C; c++) z[c] = dw.b[c]!;
  const row = doc * D;
  for (let a = 0; a < idx.length; a++) {
    const k = K[row + idx[a]!]!;
    if (k === 0) continue;
    for (let c = 0; c < C; c++) z[c]! += k * dw.A[a * C + c]!;
  }
}

export interface DualFitOptions {
  maxIterations?: number;
  memory?: number;
  tolerance?: number;
  init?: DualWeights;
  /**
   * Loss: the model kind's natural one (softmax / per-label logistic) by default; 'sqhinge' is the
   * one-vs-rest squared hinge (an L2-SVM), whose margins are then read through softmax/sigmoid.
   */
  loss?: 'default' | 'sqhinge';
  /** Per-row loss weights (length n, mean 1 keeps λ's scale); omitted = all 1. */
  rowWeights?: Float64Array;
  /** Fit without intercepts (b stays at its initial value, 0 unless `init` says otherwise). */
  noBias?: boolean;
}

export function fitDual(
  K: Float64Array,
  n: number,
  y: Targets,
  lambda: number,
  opts: DualFitOptions = {},
): DualWeights {
  const C = y.nClasses;
  const nC = n * C;
  const m = opts.memory ?? 5;
  const maxIt = opts.maxIterations ?? 200;
  const tol = opts.tolerance ?? 1e-5;
  const invN = 1 / n;
  const kind: ModelKind = y.kind;

  const x = newVec(nC, C);
  if (opts.init) {
    x.a.set(opts.init.A);
    x.b.set(opts.init.b);
    kTimes(K, n, C, x.a, x.ka);
  }
  const G = new Float64Array(nC); // ∂loss/∂z (scaled by 1/n)
  const z = new Float64Array(C);

  /** Objective at v (uses v.ka for logits); fills G when wantGrad. */
  const value = (v: Vec, wantGrad: boolean): number => {
    let loss = 0;
    const rw = opts.rowWeights;
    for (let i = 0; i < n; i++) {
      const o = i * C;
      const loss0 = loss;
      for (let c = 0; c < C; c++) z[c] = v.ka[o + c]! + v.b[c]!;
      if (opts.loss === 'sqhinge') {
        const t = kind === 'single' ? y.classOf![i]! : -1;
        for (let c = 0; c < C; c++) {
          const yc = kind === 'single' ? (c === t ? 1 : -1) : y.multi![o + c]! ? 1 : -1;
          const margin = 1 - yc * z[c]!;
          if (margin > 0) {
            loss += margin * margin;
            if (wantGrad) G[o + c] = -2 * yc * margin * invN;
          } else if (wantGrad) G[o + c] = 0;
        }
      } else if (kind === 'single') {
        const t = y.classOf![i]!;
        let max = -Infinity;
        for (let c = 0; c < C; c++) if (z[c]! > max) max = z[c]!;
        let sum = 0;
        for (let c = 0; c < C; c++) sum += Math.exp(z[c]! - max);
        const lse = max + Math.log(sum);
        loss += lse - z[t]!;
        if (wantGrad) for (let c = 0; c < C; c++) G[o + c] = (Math.exp(z[c]! - lse) - (c === t ? 1 : 0)) * invN;
      } else {
        for (let c = 0; c < C; c++) {
          const zc = z[c]!;
          const yc = y.multi![o + c]!;
          loss += (zc > 0 ? zc + Math.log1p(Math.exp(-zc)) : Math.log1p(Math.exp(zc))) - yc * zc;
          if (wantGrad) G[o + c] = (1 / (1 + Math.exp(-zc)) - yc) * invN;
        }
      }
      if (rw) {
        const wi = rw[i]!;
        loss = loss0 + wi * (loss - loss0);
        if (wantGrad) for (let c = 0; c < C; c++) G[o + c]! *= wi;
      }
    }
    let reg = 0;
    for (let i = 0; i < nC; i++) reg += v.a[i]! * v.ka[i]!;
    return loss * invN + 0.5 * lambda * reg;
  };

  /** Primal gradient in dual coordinates: a = G + λA, K·a = K G + λ K A, b = Σ_i G_i. */
  const KG = new Float64Array(nC);
  const gradient = (v: Vec, out: Vec): void => {
    kTimes(K, n, C, G, KG);
    for (let i = 0; i < nC; i++) {
      out.a[i] = G[i]! + lambda * v.a[i]!;
      out.ka[i] = KG[i]! + lambda * v.ka[i]!;
    }
    out.b.fill(0);
    if (!opts.noBias) for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) out.b[c]! += G[i * C + c]!;
  };

  let fx = value(x, true);
  const g = newVec(nC, C);
  gradient(x, g);
  const S = Array.from({ length: m }, () => newVec(nC, C));
  const Y = Array.from({ length: m }, () => newVec(nC, C));
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let count = 0;
  let head = 0;
  const d = newVec(nC, C);
  const xNew = newVec(nC, C);
  const gNew = newVec(nC, C);
  let it = 0;
  for (; it < maxIt; it++) {
    copy(d, g);
    scale(d, -1);
    for (let j = 0; j < count; j++) {
      const slot = (head - 1 - j + m) % m;
      const a = rho[slot]! * inner(S[slot]!, d);
      alpha[slot] = a;
      axpy(d, -a, Y[slot]!);
    }
    if (count > 0) {
      const last = (head - 1 + m) % m;
      scale(d, 1 / (rho[last]! * inner(Y[last]!, Y[last]!)));
    } else {
      const gn = Math.sqrt(inner(g, g));
      if (gn === 0) break;
      scale(d, 1 / gn);
    }
    for (let j = count - 1; j >= 0; j--) {
      const slot = (head - 1 - j + m) % m;
      const b = rho[slot]! * inner(Y[slot]!, d);
      axpy(d, alpha[slot]! - b, S[slot]!);
    }
    let slope = inner(g, d);
    if (slope >= 0) {
      count = 0;
      copy(d, g);
      scale(d, -1);
      slope = inner(g, d);
      if (slope === 0) break;
    }
    let step = 1;
    let fNew = 0;
    let accepted = false;
    for (let ls = 0; ls < 30; ls++) {
      copy(xNew, x);
      axpy(xNew, step, d);
      fNew = value(xNew, false);
      if (fNew <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    value(xNew, true);
    gradient(xNew, gNew);
    // s = xNew - x, y = gNew - g (with K-images).
    const s = S[head]!;
    const yv = Y[head]!;
    copy(s, xNew);
    axpy(s, -1, x);
    copy(yv, gNew);
    axpy(yv, -1, g);
    const sy = inner(s, yv);
    if (sy > 1e-16) {
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      if (count < m) count++;
    }
    copy(x, xNew);
    copy(g, gNew);
    const rel = (fx - fNew) / Math.max(Math.abs(fx), Math.abs(fNew), 1);
    fx = fNew;
    if (rel < tol) {
      it++;
      break;
    }
  }
  if (process.env.LABEL_BOT_DEBUG_FIT)
    process.stderr.write(`fitDual n=${n} C=${C} λ=${lambda} iterations=${it} objective=${fx.toFixed(5)}\n`);
  return { A: x.a, b: x.b, iterations: it };
}

/**
 * Fits every λ of `lambdas` (largest first), each warm-started from the previous, more regularised solution: the
 * λ path shared by in-repo model selection (fit.ts), leave-one-repo-out selection (grouped-cv.ts) and NB scaling.
 */
export function fitDualPath(
  K: Float64Array,
  n: number,
  y: Targets,
  lambdas: readonly number[],
  opts: Omit<DualFitOptions, 'init'> = {},
): DualWeights[] {
  let prev: DualWeights | undefined;
  return lambdas.map((lambda) => {
    const w = fitDual(K, n, y, lambda, { ...opts, ...(prev ? { init: prev } : {}) });
    prev = w;
    return w;
  });
}

/**
 * The dense weights of a dual solution in the hashed space, row-major [dim × C]:
 * W[j·C + c] = Σ_a x_aj · scale(a) · A[a·C + c], with `vectors` in the order of A's rows (scale 1 when omitted).
 */
export function primalWeights(
  vectors: readonly SparseVector[],
  A: Float64Array,
  C: number,
  dim: number,
  scale?: (a: number) => number,
): Float64Array {
  const W = new Float64Array(dim * C);
  vectors.forEach((v, a) => {
    const s = scale ? scale(a) : 1;
    for (let j = 0; j < v.indices.length; j++) {
      const base = v.indices[j]! * C;
      const x = scale ? v.values[j]! * s : v.values[j]!;
      for (let c = 0; c < C; c++) W[base + c]! += x * A[a * C + c]!;
    }
  });
  return W;
}
