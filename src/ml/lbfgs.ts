/**
 * Minimal deterministic L-BFGS (two-loop recursion, backtracking Armijo line search).
 * The objectives here are smooth and convex (L2-regularised softmax / logistic loss), so this simple
 * variant converges reliably and is entirely reproducible: no randomness, fixed operation order.
 */

export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIterations: number;
  /** History size. */
  memory: number;
  /** Stop when the relative decrease of the objective over one iteration falls below this. */
  tolerance: number;
}

export const DEFAULT_LBFGS: LbfgsOptions = { maxIterations: 150, memory: 8, tolerance: 1e-6 };

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function minimize(f: Objective, x: Float64Array, opts: LbfgsOptions = DEFAULT_LBFGS): { value: number; iterations: number } {
  const n = x.length;
  const m = opts.memory;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const g = new Float64Array(n);
  let fx = f(x, g);
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const alpha = new Float64Array(m);
  let it = 0;
  for (; it < opts.maxIterations; it++) {
    // Two-loop recursion: d = -H g.
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    const k = S.length;
    for (let j = k - 1; j >= 0; j--) {
      const a = rho[j]! * dot(S[j]!, d);
      alpha[j] = a;
      const y = Y[j]!;
      for (let i = 0; i < n; i++) d[i]! -= a * y[i]!;
    }
    if (k > 0) {
      const gamma = dot(S[k - 1]!, Y[k - 1]!) / dot(Y[k - 1]!, Y[k - 1]!);
      for (let i = 0; i < n; i++) d[i]! *= gamma;
    } else {
      const gn = Math.sqrt(dot(g, g));
      if (gn === 0) break;
      for (let i = 0; i < n; i++) d[i]! /= gn;
    }
    for (let j = 0; j < k; j++) {
      const b = rho[j]! * dot(Y[j]!, d);
      const s = S[j]!;
      const a = alpha[j]!;
      for (let i = 0; i < n; i++) d[i]! += (a - b) * s[i]!;
    }
    let slope = dot(g, d);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i]!;
      slope = dot(g, d);
      if (slope === 0) break;
    }
    let step = 1;
    let fNew = 0;
    let accepted = false;
    for (let ls = 0; ls < 30; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * d[i]!;
      fNew = f(xNew, gNew);
      if (fNew <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    x.set(xNew);
    g.set(gNew);
    const rel = (fx - fNew) / Math.max(Math.abs(fx), Math.abs(fNew), 1);
    fx = fNew;
    if (rel < opts.tolerance) {
      it++;
      break;
    }
  }
  return { value: fx, iterations: it };
}
