/**
 * The retrain CronJob against the worker Deployment, from the YAML files alone (no kubectl): same image name, same
 * ServiceAccount, same GitHub App Secret refs and ConfigMap, non-root like the worker, and each overlay's patches give
 * it its own schedule and resources. The rendered overlays are checked with kubectl in deployment.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = resolve(__dirname, '../..');
const K8S = join(ROOT, 'gcp-worker/k8s');

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  envFrom?: { configMapRef?: { name: string }; secretRef?: unknown }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
}
interface PodSpec {
  serviceAccountName: string;
  restartPolicy?: string;
  nodeSelector?: Record<string, string>;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; secret?: unknown; emptyDir?: unknown }[];
}
interface Deployment {
  kind: 'Deployment';
  spec: { template: { spec: PodSpec } };
}
interface CronJob {
  kind: 'CronJob';
  metadata: { name: string };
  spec: {
    schedule: string;
    concurrencyPolicy: string;
    jobTemplate: { spec: { backoffLimit?: number; activeDeadlineSeconds?: number; template: { spec: PodSpec } } };
  };
}
interface Kustomization {
  resources?: string[];
  configMapGenerator?: { name: string; literals?: string[] }[];
  images?: { name: string; newName?: string }[];
  patches?: { target?: { kind?: string; name?: string }; patch?: string }[];
}

const readYaml = <T>(rel: string): T => parse(readFileSync(join(K8S, rel), 'utf8')) as T;
const deployment = readYaml<Deployment>('base/deployment.yaml');
const cronjob = readYaml<CronJob>('base/cronjob.yaml');
const base = readYaml<Kustomization>('base/kustomization.yaml');
const worker = deployment.spec.template.spec;
const job = cronjob.spec.jobTemplate.spec.template.spec;
const workerC = worker.containers[0]!;
const jobC = job.containers[0]!;

/** The GitHub App credentials a container gets: APP_ID's secret ref, the key file path and the secret volume. */
function githubAppWiring(pod: PodSpec, c: Container): unknown {
  const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.valueFrom?.secretKeyRef ?? e.value]));
  const keyPath = env.PRIVATE_KEY_PATH as string;
  const mount = (c.volumeMounts ?? []).find((m) => keyPath.startsWith(`${m.mountPath}/`));
  const volume = pod.volumes.find((v) => v.name === mount?.name);
  return { appId: env.APP_ID, keyPath, mount: mount && { ...mount, name: undefined }, secret: volume?.secret };
}

/** Applies an overlay's JSON6902 `replace` ops (all the overlays use) to a copy of `obj`. */
function applyReplaceOps<T>(obj: T, patch: string): T {
  const out = structuredClone(obj) as Record<string, unknown>;
  for (const op of parse(patch) as { op: string; path: string; value: unknown }[]) {
    expect(op.op, op.path).toBe('replace');
    const keys = op.path
      .split('/')
      .slice(1)
      .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    let at = out as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) {
      expect(at[k], `${op.path}: ${k}`).toBeDefined();
      at = at[k] as Record<string, unknown>;
    }
    expect(at[keys.at(-1)!], `${op.path} must exist to be replaced`).toBeDefined();
    at[keys.at(-1)!] = op.value;
  }
  return out as T;
}

describe('retrain CronJob (base, no kubectl)', () => {
  it('is listed in the base kustomization', () => {
    expect(base.resources).toContain('cronjob.yaml');
  });

  it("runs `label-bot retrain` from the image's CLI bundle, in a writable /tmp", () => {
    const argv = [...(jobC.command ?? []), ...(jobC.args ?? [])];
    expect(argv).toEqual(['node', '--enable-source-maps', '/app/dist/label-bot.mjs', 'retrain']);
    // The Dockerfile writes the CLI bundle to dist/label-bot.mjs under WORKDIR /app.
    const dockerfile = readFileSync(join(ROOT, 'gcp-worker/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/esbuild src\/cli\/main\.ts [^\n]*\\\n[^\n]*--outfile=dist\/label-bot\.mjs/);
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(jobC.workingDir).toBe('/tmp');
    const tmpMount = jobC.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(job.volumes.find((v) => v.name === tmpMount?.name)?.emptyDir).toBeDefined();
  });

  it('uses the same image name, ServiceAccount and node pool as the worker Deployment', () => {
    expect(jobC.image).toBe(workerC.image);
    expect(job.serviceAccountName).toBe(worker.serviceAccountName);
    expect(job.nodeSelector).toEqual(worker.nodeSelector);
  });

  it('gets the GitHub App credentials exactly as the worker does, and no secret value', () => {
    expect(githubAppWiring(job, jobC)).toEqual(githubAppWiring(worker, workerC));
    expect(githubAppWiring(job, jobC)).toMatchObject({
      appId: { name: 'label-bot-github-app', key: 'app-id' },
      secret: { secretName: 'label-bot-github-app' },
    });
    for (const e of jobC.env ?? []) expect(['APP_ID', 'PRIVATE_KEY_PATH', 'NODE_OPTIONS']).toContain(e.name);
    for (const file of readdirSync(K8S, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'))) {
      const text = readFileSync(join(K8S, file), 'utf8');
      expect(text, file).not.toMatch(/PRIVATE KEY-----|^\s*-?\s*name: PRIVATE_KEY$|^kind: Secret$|app-id=\d/m);
    }
  });

  it('reads CONFIG_ISSUE and LABEL_BOT_BUCKET from the worker ConfigMap', () => {
    const refs = (c: Container) => (c.envFrom ?? []).map((e) => e.configMapRef?.name);
    expect(refs(jobC)).toEqual(refs(workerC));
    const generated = base.configMapGenerator?.find((g) => g.name === refs(jobC)[0]);
    const keys = (generated?.literals ?? []).map((l) => l.split('=')[0]);
    expect(keys).toEqual(expect.arrayContaining(['CONFIG_ISSUE', 'LABEL_BOT_BUCKET']));
  });

  it('never overlaps itself, retries a bounded number of times, has a deadline, runs non-root', () => {
    expect(cronjob.spec.concurrencyPolicy).toBe('Forbid');
    const spec = cronjob.spec.jobTemplate.spec;
    expect(spec.backoffLimit).toBeGreaterThanOrEqual(0);
    expect(spec.backoffLimit).toBeLessThanOrEqual(3);
    expect(spec.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(job.restartPolicy).toBe('Never');
    expect(job.securityContext).toEqual(worker.securityContext);
    expect(jobC.securityContext).toEqual(workerC.securityContext);
    expect(jobC.resources?.requests).toBeDefined();
    expect(jobC.resources?.limits).toBeDefined();
  });
});

describe.each(['staging', 'prod'])('%s overlay (no kubectl)', (env) => {
  const overlay = readYaml<Kustomization>(`overlays/${env}/kustomization.yaml`);
  const cronPatches = (overlay.patches ?? []).filter(
    (p) => p.target?.kind === 'CronJob' && p.target.name === cronjob.metadata.name,
  );

  it("one `images:` entry renames the worker's and the CronJob's image together", () => {
    expect(overlay.resources).toContain('../../base');
    const entries = (overlay.images ?? []).filter((i) => i.name === jobC.image);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.newName).toMatch(new RegExp(`/label-bot-${env}/`));
  });

  it('sets CONFIG_ISSUE and LABEL_BOT_BUCKET in the ConfigMap both read', () => {
    const merged = overlay.configMapGenerator?.find((g) => g.name === jobC.envFrom?.[0]?.configMapRef?.name);
    const vars = Object.fromEntries((merged?.literals ?? []).map((l) => l.split(/=(.*)/s).slice(0, 2)));
    expect(vars.CONFIG_ISSUE).toMatch(/^[\w.-]+\/[\w.-]+#\d+$/);
    expect(vars.LABEL_BOT_BUCKET).toBeTruthy();
  });

  it('patches the schedule and the resources; nothing else about the CronJob', () => {
    expect(cronPatches).toHaveLength(1);
    const patched = applyReplaceOps(cronjob, cronPatches[0]!.patch!);
    expect(patched.spec.schedule).not.toBe(cronjob.spec.schedule);
    expect(patched.spec.schedule.split(' ')).toHaveLength(5);
    const c = patched.spec.jobTemplate.spec.template.spec.containers[0]!;
    expect(c.resources?.requests?.memory).toBeDefined();
    expect(c.resources?.limits?.memory).toBeDefined();
    expect({ ...c, resources: undefined }).toEqual({ ...jobC, resources: undefined });
  });
});

it('staging retrains more often than prod (daily vs weekly)', () => {
  const schedule = (env: string): string => {
    const overlay = readYaml<Kustomization>(`overlays/${env}/kustomization.yaml`);
    const p = overlay.patches!.find((x) => x.target?.kind === 'CronJob')!;
    return applyReplaceOps(cronjob, p.patch!).spec.schedule;
  };
  expect(schedule('staging').split(' ')[4]).toBe('*'); // every day of the week
  expect(schedule('prod').split(' ')[4]).toMatch(/^[0-7]$/); // one day of the week
  // parseAllDocuments: the base file is exactly one object.
  expect(parseAllDocuments(readFileSync(join(K8S, 'base/cronjob.yaml'), 'utf8'))).toHaveLength(1);
});
