/**
 * The bot's single comment per issue. A hidden marker finds it again so redeliveries, the Lambda and the worker
 * all edit the same comment instead of piling up new ones.
 */
export const BOT_COMMENT_MARKER_PREFIX = '<!-- label-bot';
export const BOT_COMMENT_MARKER = '<!-- label-bot:issue-labels -->';

export interface CommentLabel {
  label: string;
  score: number;
}

export function hasBotMarker(body: string | null | undefined): boolean {
  return typeof body === 'string' && body.includes(BOT_COMMENT_MARKER_PREFIX);
}

function pct(score: number): string {
  return `${(Math.round(score * 1000) / 10).toFixed(1)}%`;
}

/** Labels are rendered in a fixed order so the same decision always renders byte-identical text (no needless edits). */
export function renderLabelsComment(labels: readonly CommentLabel[], modelVersion: string): string {
  const rows = [...labels]
    .sort((a, b) => b.score - a.score || a.label.localeCompare(b.label))
    .map((l) => `| \`${l.label.replace(/`/g, "'")}\` | ${pct(l.score)} |`);
  return [
    BOT_COMMENT_MARKER,
    `Issue-label bot applied ${labels.length === 1 ? 'this label' : 'these labels'}:`,
    '',
    '| Label | Confidence |',
    '| --- | --- |',
    ...rows,
    '',
    `<sub>Model \`${modelVersion}\`. Remove a label you disagree with and the bot will not add it again.</sub>`,
  ].join('\n');
}

export function renderNotConfidentComment(modelVersion: string): string {
  return [
    BOT_COMMENT_MARKER,
    'Issue-label bot is not confident enough to label this issue; a maintainer will triage it.',
    '',
    `<sub>Model \`${modelVersion}\`.</sub>`,
  ].join('\n');
}
