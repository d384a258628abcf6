/** Files that ship with the package are found from the package, not from the directory the command is run in. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, apiWrites, useSeededStandIn } from '../ops/fixtures/stand-in-repo';
import { cliAsync, ROOT } from './helpers';

describe('the bundled universal model, from outside the repository', () => {
  const env = useSeededStandIn('bundled-model-');

  it("backfill without --model or a bucket, run from another directory, uses the package's models/universal", async () => {
    const r = await cliAsync(['backfill', REPO, '--dry-run', '--state', 'all', '--no-checkpoint', '--no-table'], {
      cwd: env.dir,
      env: { GITHUB_TOKEN: 'cli-test-token', GITHUB_API_URL: env.standIn.url },
    });
    expect(r.stderr).not.toMatch(/ENOENT|cannot read/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`from ${join(ROOT, 'models/universal')}`);
    expect(r.stdout).toMatch(/7 issues listed; 7 processed/);
    expect(apiWrites(env.standIn)).toEqual([]);
  }, 120_000);

  it("--version from another directory reads the package's own package.json", async () => {
    const r = await cliAsync(['--version'], { cwd: env.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
