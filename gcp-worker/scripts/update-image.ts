/**
 * `npm run update-image -- <staging|prod> [--context KUBE_CONTEXT] [--cloud-build] [--dry-run]`
 *
 * Builds and pushes the worker image, then pins its digest in gcp-worker/k8s/overlays/<env>/kustomization.yaml
 * (the equivalent of the original `CONTEXT=<kube context> make update-image`). With --context it also applies the
 * overlay to that cluster. Commit the kustomization change so the deployed image is reviewable and reproducible.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, isMap, isSeq, YAMLMap } from 'yaml';

export const IMAGE_NAME = 'label-bot-worker';

/** The image repository an overlay deploys (its `images:` entry for label-bot-worker). */
export function overlayImageRepo(kustomizationText: string, imageName = IMAGE_NAME): string {
  const doc = parseDocument(kustomizationText);
  const images = doc.get('images');
  if (isSeq(images)) {
    for (const item of images.items) {
      if (isMap(item) && item.get('name') === imageName) {
        const newName = item.get('newName');
        if (typeof newName === 'string' && newName) return newName;
      }
    }
  }
  throw new Error(`kustomization has no images entry named ${imageName} with newName`);
}

/**
 * Rewrites the overlay's `images:` entry to `newName` + `digest` (dropping any tag), keeping comments and the rest
 * of the file as they are. Same result as `kustomize edit set image label-bot-worker=REPO@sha256:…`.
 */
export function pinImageDigest(
  kustomizationText: string,
  repo: string,
  digest: string,
  imageName = IMAGE_NAME,
): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`not an image digest: ${digest}`);
  const doc = parseDocument(kustomizationText);
  let images = doc.get('images');
  if (!isSeq(images)) {
    doc.set('images', doc.createNode([]));
    images = doc.get('images');
  }
  if (!isSeq(images)) throw new Error('could not create images list');
  let entry = images.items.find((i): i is YAMLMap => isMap(i) && i.get('name') === imageName);
  if (!entry) {
    entry = doc.createNode({ name: imageName }) as YAMLMap;
    images.items.push(entry);
  }
  entry.set('newName', repo);
  entry.delete('newTag');
  entry.set('digest', digest);
  return doc.toString();
}

function run(cmd: string, args: string[], opts: { cwd: string; capture?: boolean }): string {
  process.stderr.write(`$ ${cmd} ${args.join(' ')}\n`);
  const out = execFileSync(cmd, args, {
    cwd: opts.cwd,
    stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
  });
  return typeof out === 'string' ? out.trim() : '';
}

async function main(argv: string[]): Promise<void> {
  const env = argv.find((a) => !a.startsWith('--'));
  if (env !== 'staging' && env !== 'prod')
    throw new Error(
      'usage: npm run update-image -- <staging|prod> [--context KUBE_CONTEXT] [--cloud-build] [--dry-run]',
    );
  const ctxIdx = argv.indexOf('--context');
  const kubeContext = ctxIdx >= 0 ? argv[ctxIdx + 1] : process.env.CONTEXT;
  const dryRun = argv.includes('--dry-run');
  const cloudBuild = argv.includes('--cloud-build');

  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const overlay = join(root, 'gcp-worker/k8s/overlays', env);
  const kustomizationPath = join(overlay, 'kustomization.yaml');
  const text = readFileSync(kustomizationPath, 'utf8');
  const repo = overlayImageRepo(text);
  const tag = run('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, capture: true });
  const ref = `${repo}:${tag}`;
  if (dryRun) {
    process.stdout.write(`would build and push ${ref}, then pin its digest in ${kustomizationPath}\n`);
    return;
  }

  let digest: string;
  if (cloudBuild) {
    const project = repo.split('/')[1];
    run(
      'gcloud',
      ['builds', 'submit', '--project', project ?? '', '--tag', ref, '--dockerfile', 'gcp-worker/Dockerfile', '.'],
      { cwd: root },
    );
    digest = run('gcloud', ['artifacts', 'docker', 'images', 'describe', ref, '--format=value(image_summary.digest)'], {
      cwd: root,
      capture: true,
    });
  } else {
    run('docker', ['build', '--platform', 'linux/amd64', '-f', 'gcp-worker/Dockerfile', '-t', ref, '.'], { cwd: root });
    run('docker', ['push', ref], { cwd: root });
    const repoDigest = run('docker', ['inspect', '--format', '{{index .RepoDigests 0}}', ref], {
      cwd: root,
      capture: true,
    });
    digest = repoDigest.slice(repoDigest.indexOf('@') + 1);
  }
  writeFileSync(kustomizationPath, pinImageDigest(text, repo, digest));
  process.stdout.write(`pinned ${repo}@${digest} in ${kustomizationPath}\n`);
  if (kubeContext) {
    run('kubectl', ['--context', kubeContext, 'apply', '-k', overlay], { cwd: root });
  } else {
    process.stdout.write(
      'no --context/CONTEXT given: not applied; commit the change or run `skaffold run -p ' + env + '`\n',
    );
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`update-image failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
