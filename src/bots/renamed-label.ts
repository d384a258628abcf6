import type { Probot } from 'probot';
import { readRepoFile, repoSectionFor, type HelpersConfigResolver } from '../config/helpers-config';
import type { GlobalConfig } from '../config/global-config';
import type { IssueBackedConfig } from '../config/issue-backed-config';
import { parseRepoConfigText } from '../github/repo-config';
import { labelKey } from '../helpers/handles';
import { helperSettingsNaming, renameNotice, repoFileSettingsNaming } from '../helpers/renamed-label';
import type { Logger } from '../log/logger';
import type { GitHubClient } from '../vocabulary';
import { guarded, repoOf } from './labeled-event';

export interface RenamedLabelDeps {
  helpersConfig: HelpersConfigResolver;
  /** The operator's config issue and a client for its repo; absent when there is none. */
  configIssue?: { store: IssueBackedConfig<GlobalConfig>; octokit: () => Promise<GitHubClient> };
  log: Logger;
}

/**
 * A renamed label (`label.edited` with `changes.name`): settings that still name the old label stop matching without
 * a word. This says so where the maintainer looks: the tracking issue's status comment (for its own settings and the
 * repo file's), the config issue's status comment (for this repo's `repos:` section and `defaults`), and the logs.
 */
export default function renamedLabelBot(app: Probot, deps: RenamedLabelDeps): void {
  app.on('label.edited', async (context) => {
    const from = (context.payload.changes as { name?: { from?: string } } | undefined)?.name?.from;
    const to = context.payload.label?.name;
    // Label names match case-insensitively, so a change of case breaks nothing.
    if (!from || !to || labelKey(from) === labelKey(to)) return;
    const ref = repoOf(context);
    const source = `renamed:${labelKey(from)}`;
    await guarded(deps.log, 'renamed-label', { delivery_id: context.id }, async () => {
      const tracking = await deps.helpersConfig.trackingIssueOf(context.octokit, ref);
      const repoLines: string[] = [];
      const text = await readRepoFile(context.octokit, ref);
      const file = text === null ? null : parseRepoConfigText(text);
      const fileUses = file?.ok ? repoFileSettingsNaming(file.file, from) : [];
      if (fileUses.length > 0) repoLines.push(renameNotice('`.github/issue_label_bot.yaml`:', fileUses, from, to));
      if (tracking) {
        const store = deps.helpersConfig.trackingStore(ref, tracking);
        const config = await store.get(context.octokit);
        const uses = config ? helperSettingsNaming(config, from) : [];
        if (uses.length > 0) repoLines.push(renameNotice('this issue’s', uses, from, to));
        if (repoLines.length > 0) await store.setNotices(context.octokit, source, repoLines);
      }
      const globalLines: string[] = [];
      if (deps.configIssue) {
        const configOctokit = await deps.configIssue.octokit();
        const global = await deps.configIssue.store.get(configOctokit);
        const section = repoSectionFor(global, ref);
        const uses = section ? helperSettingsNaming(section, from) : [];
        if (uses.length > 0) globalLines.push(renameNotice(`\`repos.${ref.owner}/${ref.repo}\`:`, uses, from, to));
        const defaults = global?.defaults ? repoFileSettingsNaming(global.defaults, from) : [];
        if (defaults.length > 0) globalLines.push(renameNotice('`defaults`:', defaults, from, to));
        if (globalLines.length > 0)
          await deps.configIssue.store.setNotices(
            configOctokit,
            `${source}:${ref.owner}/${ref.repo}`.toLowerCase(),
            globalLines,
          );
      }
      const all = [...repoLines, ...globalLines];
      if (all.length > 0)
        deps.log.warn(
          { repo: `${ref.owner}/${ref.repo}`, from, to, tracking_issue: tracking, notices: all },
          'renamed label still named by settings',
        );
    });
  });
}
