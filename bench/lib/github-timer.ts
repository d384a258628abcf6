/**
 * Time spent waiting on GitHub, measured at the one place every Octokit request goes through: globalThis.fetch
 * (@octokit/request reads it at call time, also inside the esbuild bundle). The response body is read inside the
 * timed span, so "GitHub time" is request + stand-in handling + response, and "GitHub excluded" is what is left:
 * our code, Probot, Octokit's plugins (including any throttling waits), signature checks, the model, Pub/Sub.
 */

export interface GitHubTimer {
  /** Milliseconds and calls since the last reset(). */
  readonly ms: number;
  readonly calls: number;
  reset(): void;
  uninstall(): void;
}

const NULL_BODY = new Set([101, 204, 205, 304]);

export function installGitHubTimer(matches: (url: string) => boolean): GitHubTimer {
  const real = globalThis.fetch;
  let ms = 0;
  let calls = 0;
  const timed: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!matches(url)) return real(input, init);
    const t0 = performance.now();
    calls++;
    try {
      const res = await real(input, init);
      const body = NULL_BODY.has(res.status) ? null : await res.arrayBuffer();
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } finally {
      ms += performance.now() - t0;
    }
  };
  globalThis.fetch = timed;
  return {
    get ms() {
      return ms;
    },
    get calls() {
      return calls;
    },
    reset() {
      ms = 0;
      calls = 0;
    },
    uninstall() {
      if (globalThis.fetch === timed) globalThis.fetch = real;
    },
  };
}
