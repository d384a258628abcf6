import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { forwardedIssueSchema, MAX_FORWARDED_BODY_CHARS } from '../../src/pubsub/message';
import { buildForwardedIssue, capBody, messageAttributes } from '../../src/pubsub/publisher';
import { issuesPayload } from '../bots/app-harness';

interface JsonSchemaNode {
  type?: string;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
}

const documented = JSON.parse(
  readFileSync(new URL('../../docs/forwarded-issue.schema.json', import.meta.url), 'utf8'),
) as JsonSchemaNode;
const fromZod = z.toJSONSchema(forwardedIssueSchema, { io: 'input' }) as JsonSchemaNode;

/** Every object's property names and required list, keyed by path. */
function shape(node: JsonSchemaNode, path = '$', out: Record<string, { props: string[]; required: string[] }> = {}) {
  if (node.properties) {
    out[path] = { props: Object.keys(node.properties).sort(), required: [...(node.required ?? [])].sort() };
    for (const [k, child] of Object.entries(node.properties)) shape(child, `${path}.${k}`, out);
  }
  return out;
}

describe('docs/forwarded-issue.schema.json', () => {
  it('lists the same properties and required fields as the zod schema, at every level', () => {
    expect(shape(documented)).toEqual(shape(fromZod));
  });

  it('documents the body cap the code enforces', () => {
    expect(JSON.stringify(documented)).toContain(`"maxLength":${MAX_FORWARDED_BODY_CHARS}`);
  });
});

describe('buildForwardedIssue', () => {
  it('builds a zod-valid message from a webhook payload, with attributes', () => {
    const msg = buildForwardedIssue(
      issuesPayload({ number: 9, labels: ['p1'] }),
      'del-9',
      { ratio: 0.3, bucket: 0.12, mode: 'shadow' },
      new Date('2026-11-22T08:00:00Z'),
    );
    expect(forwardedIssueSchema.parse(msg)).toEqual(msg);
    expect(msg).toMatchObject({
      v: 1,
      action: 'opened',
      issue: { number: 9, labels: ['p1'], author: 'alice' },
      forwarded_at: '2026-11-22T08:00:00.000Z',
    });
    expect(messageAttributes(msg)).toEqual({ repo: 'octo/widgets', issue: '9', delivery_id: 'del-9', mode: 'shadow' });
  });

  it('caps bodies without splitting a surrogate pair', () => {
    const body = `${'a'.repeat(MAX_FORWARDED_BODY_CHARS - 1)}😀tail`;
    const capped = capBody(body)!;
    expect(capped.length).toBe(MAX_FORWARDED_BODY_CHARS - 1);
    expect(capBody(null)).toBeNull();
    expect(capBody('short')).toBe('short');
  });
});
