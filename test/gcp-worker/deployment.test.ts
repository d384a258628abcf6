/** skaffold.yaml paths, kustomize structure (with and without kubectl), Dockerfile invariants, digest pinning. */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { overlayImageRepo, pinImageDigest } from '../../gcp-worker/scripts/update-image';

const ROOT = resolve(__dirname, '../..');
const WORKER = join(ROOT, 'gcp-worker');

function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Artifact {
  image: string;
  context?: string;
  docker?: { dockerfile?: string };
}
interface SkaffoldSection {
  build?: { artifacts?: Artifact[] };
  manifests?: { kustomize?: { paths?: string[] } };
}

describe('skaffold.yaml', () => {
  const skaffold = parse(readFileSync(join(WORKER, 'skaffold.yaml'), 'utf8')) as SkaffoldSection & {
    apiVersion: string;
    kind: string;
    profiles: (SkaffoldSection & { name: string })[];
  };
  const sections: [string, SkaffoldSection][] = [
    ['default', skaffold],
    ...skaffold.profiles.map((p): [string, SkaffoldSection] => [p.name, p]),
  ];

  it('is a skaffold Config with staging and prod profiles', () => {
    expect(skaffold.apiVersion).toMatch(/^skaffold\/v\d/);
    expect(skaffold.kind).toBe('Config');
    expect(skaffold.profiles.map((p) => p.name).sort()).toEqual(['prod', 'staging']);
  });

  it.each(sections)('%s: every path it names exists', (_name, section) => {
    for (const artifact of section.build?.artifacts ?? []) {
      const context = resolve(WORKER, artifact.context ?? '.');
      expect(statSync(context).isDirectory()).toBe(true);
      const dockerfile = join(context, artifact.docker?.dockerfile ?? 'Dockerfile');
      expect(existsSync(dockerfile), dockerfile).toBe(true);
    }
    for (const p of section.manifests?.kustomize?.paths ?? []) {
      expect(existsSync(join(WORKER, p, 'kustomization.yaml')), p).toBe(true);
    }
  });

  it('each profile builds the image its overlay deploys', () => {
    for (const [name, section] of sections) {
      const paths = section.manifests?.kustomize?.paths ?? [];
      const images = (section.build?.artifacts ?? skaffold.build?.artifacts ?? []).map((a) => a.image);
      for (const p of paths) {
        const repo = overlayImageRepo(readFileSync(join(WORKER, p, 'kustomization.yaml'), 'utf8'));
        expect(images, `${name}: ${p}`).toContain(repo);
      }
    }
  });
});

/** kubectl-free check: every kustomization's resources exist, recursively. */
function checkKustomization(dir: string, seen = new Set<string>()): string[] {
  const problems: string[] = [];
  if (seen.has(dir)) return problems;
  seen.add(dir);
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) return [`${dir}: no kustomization.yaml`];
  const k = parse(readFileSync(file, 'utf8')) as { resources?: string[]; patches?: { path?: string }[] };
  for (const r of k.resources ?? []) {
    const target = resolve(dir, r);
    if (!existsSync(target)) problems.push(`${file}: resource ${r} does not exist`);
    else if (statSync(target).isDirectory()) problems.push(...checkKustomization(target, seen));
    else {
      for (const doc of parseAllDocuments(readFileSync(target, 'utf8'))) {
        const obj = doc.toJS() as { apiVersion?: string; kind?: string; metadata?: { name?: string } } | null;
        if (!obj?.apiVersion || !obj.kind || !obj.metadata?.name) problems.push(`${target}: not a Kubernetes object`);
      }
    }
  }
  for (const p of k.patches ?? [])
    if (p.path && !existsSync(resolve(dir, p.path))) problems.push(`${file}: patch ${p.path} missing`);
  return problems;
}

describe('kustomize overlays', () => {
  it.each(['staging', 'prod'])('%s: referenced resources exist (no kubectl needed)', (env) => {
    expect(checkKustomization(join(WORKER, 'k8s/overlays', env))).toEqual([]);
  });

  it('base Deployment: probes, resources, grace period above the worker drain time, non-root', () => {
    const d = parse(readFileSync(join(WORKER, 'k8s/base/deployment.yaml'), 'utf8')) as {
      spec: {
        template: {
          spec: {
            terminationGracePeriodSeconds: number;
            securityContext: { runAsNonRoot: boolean };
            containers: Record<string, unknown>[];
          };
        };
      };
    };
    const pod = d.spec.template.spec;
    const c = pod.containers[0] as {
      resources: { requests: object; limits: object };
      livenessProbe: object;
      readinessProbe: { httpGet: { path: string } };
    };
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits).toBeDefined();
    expect(c.livenessProbe).toBeDefined();
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const base = parse(readFileSync(join(WORKER, 'k8s/base/kustomization.yaml'), 'utf8')) as {
      configMapGenerator: { literals: string[] }[];
    };
    const grace = Number(
      base.configMapGenerator[0]!.literals.find((l) => l.startsWith('WORKER_SHUTDOWN_GRACE_SECONDS='))!.split('=')[1],
    );
    // main.ts hard-exits at grace + 8 s; kubelet must not SIGKILL before that.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(grace + 8);
  });

  const kubectl = kubectlAvailable();
  describe.skipIf(!kubectl)(
    kubectl ? 'kubectl kustomize' : 'kubectl kustomize: SKIPPED — kubectl not installed',
    () => {
      it.each([
        ['staging', 'label-bot-staging', 1, 'label-bot-issues-worker-staging'],
        ['prod', 'label-bot', 2, 'label-bot-issues-worker-prod'],
      ])(
        '%s renders with its namespace, replicas, subscription and retrain CronJob',
        (env, namespace, replicas, subscription) => {
          const out = execFileSync('kubectl', ['kustomize', join(WORKER, 'k8s/overlays', env)], { encoding: 'utf8' });
          const docs = parseAllDocuments(out).map(
            (d) =>
              d.toJS() as {
                kind: string;
                metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
                spec?: Record<string, unknown>;
                data?: Record<string, string>;
              },
          );
          const kinds = docs.map((d) => d.kind).sort();
          expect(kinds).toEqual([
            'ConfigMap',
            'CronJob',
            'Deployment',
            'HorizontalPodAutoscaler',
            'Namespace',
            'PodDisruptionBudget',
            'ServiceAccount',
          ]);
          for (const d of docs.filter((x) => x.kind !== 'Namespace')) expect(d.metadata.namespace).toBe(namespace);
          const deployment = docs.find((d) => d.kind === 'Deployment')!;
          expect(deployment.spec?.replicas).toBe(replicas);
          const cm = docs.find((d) => d.kind === 'ConfigMap')!;
          expect(cm.data?.PUBSUB_SUBSCRIPTION).toBe(subscription);
          // The Deployment references the generated (hashed) ConfigMap name.
          expect(out).toContain(`name: ${cm.metadata.name}`);
          const sa = docs.find((d) => d.kind === 'ServiceAccount')!;
          expect(sa.metadata.annotations?.['iam.gke.io/gcp-service-account']).toMatch(
            /@label-bot-(staging|prod)\.iam\.gserviceaccount\.com$/,
          );
          // The retrain CronJob: the worker's image (as rewritten by the overlay), ServiceAccount and ConfigMap.
          type Pod = {
            serviceAccountName: string;
            containers: { image: string; envFrom: { configMapRef: { name: string } }[] }[];
          };
          const workerPod = (deployment.spec as { template: { spec: Pod } }).template.spec;
          const cron = docs.find((d) => d.kind === 'CronJob')!;
          const cronSpec = cron.spec as { schedule: string; jobTemplate: { spec: { template: { spec: Pod } } } };
          const jobPod = cronSpec.jobTemplate.spec.template.spec;
          expect(cron.metadata.namespace).toBe(namespace);
          expect(jobPod.containers[0]!.image).toBe(workerPod.containers[0]!.image);
          expect(jobPod.containers[0]!.image).toMatch(new RegExp(`^us-docker\\.pkg\\.dev/label-bot-${env}/`));
          expect(jobPod.serviceAccountName).toBe(sa.metadata.name);
          expect(jobPod.containers[0]!.envFrom[0]!.configMapRef.name).toBe(cm.metadata.name);
          expect(cm.data?.CONFIG_ISSUE).toMatch(/#\d+$/);
          expect(cronSpec.schedule).toBe(env === 'staging' ? '30 5 * * *' : '0 5 * * 1');
        },
      );
    },
  );
});

describe('Dockerfile', () => {
  const text = readFileSync(join(WORKER, 'Dockerfile'), 'utf8');
  it('multi-stage on node:22-bookworm-slim, non-root, production deps only, linux-x64 onnxruntime only, bundled entry', () => {
    const froms = text.split('\n').filter((l) => l.startsWith('FROM '));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toMatch(/^FROM node:22-bookworm-slim\b/);
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(text).toMatch(/! -name linux/);
    expect(text).toMatch(/! -name x64/);
    expect(text).toMatch(/esbuild gcp-worker\/src\/main\.ts --bundle/);
    expect(text).toMatch(/esbuild src\/cli\/main\.ts --bundle/);
    expect(text).toMatch(/^CMD \["node", "--enable-source-maps", "dist\/worker\.mjs"\]$/m);
    expect(text).not.toMatch(/^ENV[^\n]*METADATA_SERVER_DETECTION/m);
    for (const copied of text.matchAll(/^COPY (?!--from)(?:--\S+ )*(\S+) /gm)) {
      expect(existsSync(join(ROOT, copied[1]!)) || copied[1] === 'models/universal', copied[1]).toBe(true);
    }
  });
  it('the entry point bundles with esbuild (same flags as the Dockerfile)', async () => {
    const result = await build({
      entryPoints: [join(WORKER, 'src/main.ts')],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      packages: 'external',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0]!.text).toContain('worker failed to start');
  });
});

describe('update-image digest pinning (offline)', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  it('pins newName@digest in an overlay, drops the tag, keeps comments and other keys', () => {
    const text = readFileSync(join(WORKER, 'k8s/overlays/prod/kustomization.yaml'), 'utf8');
    const repo = overlayImageRepo(text);
    expect(repo).toBe('us-docker.pkg.dev/label-bot-prod/label-bot/worker');
    const pinned = pinImageDigest(text, repo, digest);
    const parsed = parse(pinned) as { images: Record<string, string>[]; namespace: string };
    expect(parsed.images).toEqual([{ name: 'label-bot-worker', newName: repo, digest }]);
    expect(parsed.namespace).toBe('label-bot');
    expect(pinned).toContain('# `npm run update-image -- prod`');
    // Idempotent: pinning again with a new digest replaces it.
    const again = parse(pinImageDigest(pinned, repo, `sha256:${'cd'.repeat(32)}`)) as {
      images: Record<string, string>[];
    };
    expect(again.images).toHaveLength(1);
    expect(again.images[0]!.digest).toBe(`sha256:${'cd'.repeat(32)}`);
  });
  it('adds an images list when missing and rejects non-digests', () => {
    const pinned = parse(pinImageDigest('resources:\n  - ../../base\n', 'r/worker', digest)) as { images: unknown[] };
    expect(pinned.images).toEqual([{ name: 'label-bot-worker', newName: 'r/worker', digest }]);
    expect(() => pinImageDigest('{}', 'r', 'latest')).toThrow(/not an image digest/);
  });
  it.skipIf(!kubectlAvailable())('a pinned overlay renders the image by digest', () => {
    const text = readFileSync(join(WORKER, 'k8s/overlays/staging/kustomization.yaml'), 'utf8');
    const repo = overlayImageRepo(text);
    // kustomize reads files: render a temporary copy of k8s/ with the pinned overlay.
    const tmp = mkdtempSync(join(tmpdir(), 'lb-k8s-'));
    try {
      cpSync(join(WORKER, 'k8s'), join(tmp, 'k8s'), { recursive: true });
      const copy = join(tmp, 'k8s/overlays/staging/kustomization.yaml');
      writeFileSync(copy, pinImageDigest(text, repo, digest));
      const out = execFileSync('kubectl', ['kustomize', dirname(copy)], { encoding: 'utf8' });
      expect(out).toContain(`image: ${repo}@${digest}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
