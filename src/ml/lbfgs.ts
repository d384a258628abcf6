/**
 * Minimal deterministic L-BFGS (two-loop recursion, backtracking Armijo line search).
 * The objectives here are smooth and convex (L2-regularised softmax / logistic loss), so this simple
 * variant converges reliably and is entirely reproducible: no randomness, fixed operation order.
 * History vectors live in preallocated ring buffers: each iteration is a handful of passes over the
 * parameters, which is what training time is made of.
 */

export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIterations: number;
  /** History size. */
  memory: number;
  /** Stop when the relative decrease of the objective over one iteration falls below this. */
  tolerance: number;
}

export const DEFAULT_LBFGS: LbfgsOptions = { maxIterations: 200, memory: 5, tolerance: 1e-5 };

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function minimize(f: Objective, x: Float64Array, opts: LbfgsOptions = DEFAULT_LBFGS): { value: number; iterations: number } {
  const n = x.length;
  const m = opts.memory;
  const S = Array.from({ length: m }, () => new Float64Array(n));
  const Y = Array.from({ length: m }, () => new Float64Array(n));
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let count = 0; // valid history entries
  let head = 0; // next slot to write
  const g = new Float64Array(n);
  let fx = f(x, g);
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  let it = 0;
  for (; it < opts.maxIterations; it++) {
    // Two-loop recursion: d = -H g, newest history first.
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    for (let j = 0; j < count; j++) {
      const slot = (head - 1 - j + m) % m;
      const a = rho[slot]! * dot(S[slot]!, d);
      alpha[slot] = a;
      const y = Y[slot]!;
      for (let i = 0; i < n; i++) d[i]! -= a * y[i]!;
    }
    if (count > 0) {
      const last = (head - 1 + m) % m;
      const yy = dot(Y[last]!, Y[last]!);
      const gamma = 1 / (rho[last]! * yy);
      for (let i = 0; i < n; i++) d[i]! *= gamma;
    } else {
      const gn = Math.sqrt(dot(g, g));
      if (gn === 0) break;
      for (let i = 0; i < n; i++) d[i]! /= gn;
    }
    for (let j = count - 1; j >= 0; j--) {
      const slot = (head - 1 - j + m) % m;
      const b = rho[slot]! * dot(Y[slot]!, d);
      const s = S[slot]!;
      const coef = alpha[slot]! - b;
      for (let i = 0; i < n; i++) d[i]! += coef * s[i]!;
    }
    let slope = dot(g, d);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      count = 0;
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
    const s = S[head]!;
    const y = Y[head]!;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      const si = xNew[i]! - x[i]!;
      const yi = gNew[i]! - g[i]!;
      s[i] = si;
      y[i] = yi;
      sy += si * yi;
    }
    if (sy > 1e-12) {
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      if (count < m) count++;
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
