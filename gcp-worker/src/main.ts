/**
 * Worker process entry (bundled to dist/worker.mjs in the image). Reads settings from the environment, starts the
 * subscriber and the health server, and on SIGTERM/SIGINT drains in-flight messages within
 * WORKER_SHUTDOWN_GRACE_SECONDS before exiting — keep that below the pod's terminationGracePeriodSeconds.
 */
import { createOctokitFactory } from '../../src/github/octokit';
import { createLogger } from '../../src/log/logger';
import { artifactLoader, loadBundledModel } from './ml-loaders';
import type { CountableClient } from './process-message';
import { settingsFromEnv } from './settings';
import { startWorker } from './start-worker';

const log = createLogger('worker');

async function main(): Promise<void> {
  const settings = settingsFromEnv();
  const octokits = createOctokitFactory();
  const bundledDir = settings.bundledModelDir;
  const worker = await startWorker({
    settings,
    loader: artifactLoader(),
    // Probot caches installation tokens until shortly before they expire, so steady state costs no token call.
    installationClient: async (id) => (await octokits.installation(id)) as unknown as CountableClient,
    ...(bundledDir ? { bundledModel: () => loadBundledModel(bundledDir) } : {}),
    log,
  });

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = true;
    log.info({ signal }, 'shutdown requested');
    // Hard stop a little after the grace period, in case something hangs; kubelet would SIGKILL anyway.
    const hard = setTimeout(
      () => {
        log.error({}, 'shutdown took longer than the grace period; exiting');
        process.exit(1);
      },
      (settings.shutdownGraceSeconds + 8) * 1000,
    );
    hard.unref();
    worker
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err: (err as Error).message }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  log.fatal({ err: (err as Error).message }, 'worker failed to start');
  process.exit(1);
});
