/**
 * 2. A worker pod killed with SIGKILL in the middle of a message (its labels are on the issue, its comment request
 * is hanging at GitHub). Nothing acked the message, so Pub/Sub redelivers it once the lease runs out and another pod
 * finishes the job: the issue ends labeled once with one comment. The pod is a real child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Figures } from './figures';
import { PROJECT } from './harness';
import { addCaptured, scanLogsIntoFigures } from './log-capture';
import { issueOutcome } from './outcome';
import { BUCKET, startPipeline, type Pipeline } from './pipeline';

vi.mock('../../src/log/logger', async (orig) => (await import('./log-capture')).captureLoggerModule(await orig()));

const here = dirname(fileURLToPath(import.meta.url));
const figures = new Figures('faults-sigkill');

async function until(what: string, predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a worker killed with SIGKILL mid-message', () => {
  let p: Pipeline;
  let child: ChildProcess | null = null;
  let output = '';

  beforeAll(async () => {
    // Ack deadline 10 s scaled to 2 s, so the dead pod's lease runs out quickly, yet the pod that takes over (cold:
    // it loads the model first, then finds the dead pod's labels without a comment and waits the scaled racer settle
    // before re-reading) finishes inside its own lease, which the client would extend at full scale.
    p = await startPipeline({
      configYaml: 'salt: adversarial\nrollout:\n  fwd/*: 1.0\n',
      workers: 0,
      pubsubOptions: { deadlineScale: 0.2 },
    });
    p.h.gh.createRepo('fwd/killed');
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    addCaptured(output);
    const leaks = scanLogsIntoFigures(figures, p.h.secrets());
    await p.close();
    expect(leaks).toEqual([]);
  });

  it('the message is redelivered to another pod, which finishes it: labeled once, one comment', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', join(here, 'worker-child.ts')], {
      cwd: join(here, '..', '..'),
      env: {
        ...process.env,
        LOG_LEVEL: 'trace',
        APP_ID: String(p.h.gh.appId),
        PRIVATE_KEY: p.h.privateKey,
        GITHUB_API_URL: p.h.gh.url,
        SUBSCRIPTION: p.subscription,
        GCP_PROJECT: PROJECT,
        PUBSUB_HOST: p.h.pubsub!.host,
        BUCKET,
        GCS_ENDPOINT: p.gcs.endpoint,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await until('the child worker to start', () => output.includes('READY') || child!.exitCode !== null, 45_000);
    expect(output).toContain('READY');

    // The child gets the message, adds the labels, and then its comment request hangs: it is mid-message.
    p.h.gh.faults.add({ kind: 'hang', route: 'graphql:LabelBotAddComment', issue: 'fwd/killed#1', times: 1 });
    p.h.gh.createIssue('fwd/killed', { title: 'Crash on start', body: 'It crashes', user: 'alice' });
    await until('the child to hang on the comment', () => p.h.gh.counters.requests().some((r) => r.fault === 'hang'));
    expect(p.h.gh.issue('fwd/killed', 1).labels).toEqual(['bug']);
    expect(p.h.gh.botComments('fwd/killed', 1)).toHaveLength(0);

    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(child.signalCode).toBe('SIGKILL');
    figures.add('faults_injected', 2); // the hanging GitHub request and the SIGKILL
    figures.add('kills');

    // Another pod comes up; the unacked message reaches it after the lease expires.
    await p.startWorker();
    await p.settle();
    await until('the message to be handled by the new pod', () => p.results.length >= 1);
    figures.add('deliveries_tried', 2);
    const outcome = issueOutcome(p.h.gh, 'fwd/killed', 1, p.deadLettered);
    figures.add('issues_lost', outcome === 'labeled' ? 0 : 1);
    expect(outcome).toBe('labeled');
    expect(p.h.gh.botComments('fwd/killed', 1)).toHaveLength(1);
    expect([...p.h.pubsub!.deliveries(p.subscription).values()]).toEqual([2]);
  });
});
