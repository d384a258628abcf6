/**
 * Starts Google's official Pub/Sub emulator when it is installed, so the worker suites can prove against it
 * whatever the in-process fake claims. Returns `{ skip }` with a reason when it is absent.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';

const EMULATOR_BIN = '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator';

export interface PubSubEmulator {
  host: string;
  stop(): Promise<void>;
}

export type EmulatorStart = { emulator: PubSubEmulator; skip: null } | { emulator: null; skip: string };

/** Whether the emulator can start here (checked synchronously, for `describe.skipIf`). */
export function pubSubEmulatorSkipReason(): string | null {
  if (process.env.PUBSUB_EMULATOR_DISABLE === '1') return 'PUBSUB_EMULATOR_DISABLE=1';
  if (!existsSync(EMULATOR_BIN)) {
    return `official Pub/Sub emulator not installed (${EMULATOR_BIN}); install google-cloud-cli-pubsub-emulator to run this suite`;
  }
  try {
    execFileSync(process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java', ['-version'], {
      stdio: 'ignore',
      timeout: 15_000,
    });
  } catch {
    return 'official Pub/Sub emulator is installed but no Java runtime was found (it needs java on PATH or JAVA_HOME)';
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // Negative pid: the shell wrapper and its Java child share the group we created with `detached`.
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

export async function startPubSubEmulator(timeoutMs = 45_000): Promise<EmulatorStart> {
  const skip = pubSubEmulatorSkipReason();
  if (skip) return { emulator: null, skip };
  const port = await freePort();
  const child = spawn(EMULATOR_BIN, ['--host=127.0.0.1', `--port=${port}`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  const onExit = (): void => killGroup(child, 'SIGKILL');
  process.once('exit', onExit);

  const deadline = Date.now() + timeoutMs;
  while (!(output.includes('Server started') && (await portOpen(port)))) {
    if (exited || Date.now() > deadline) {
      killGroup(child, 'SIGKILL');
      process.removeListener('exit', onExit);
      return { emulator: null, skip: `official Pub/Sub emulator failed to start: ${output.slice(-500)}` };
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    skip: null,
    emulator: {
      host: `127.0.0.1:${port}`,
      async stop() {
        process.removeListener('exit', onExit);
        if (exited) return;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
        await gone;
        clearTimeout(timer);
      },
    },
  };
}
