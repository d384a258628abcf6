import { fullName } from './model';
import {
  evaluate,
  fieldsOf,
  isIncluded,
  GraphqlSyntaxError,
  parseDocument,
  pickOperation,
  type Document,
  type Field,
  type GraphqlRequest,
  type Selection,
} from './graphql-parse';
import { FieldError, findByNodeId, mutationRoot, queryRoot, type GqlObject } from './graphql-schema';
import type { Ctx } from './router';
import type { GitHubStore } from './store';

export { gqlActor } from './graphql-schema';

/**
 * GraphQL is answered by the query's shape, not by its operation name: the document is parsed and its selections are
 * walked over the schema slice in graphql-schema.ts, so any query or mutation over modelled fields works, whatever it
 * is called and however it aliases its fields.
 *
 * Each request also gets a *shape name* (`shapeName`) for counters and faults (`POST graphql:<shape>`,
 * `route: 'graphql:<shape>'`). The label bot's four documents have fixed shape names (`LabelBotIssueState`,
 * `LabelBotIssueEditor`, `LabelBotAddComment`, and `LabelBotApplyDecision` for `addLabelsToLabelable` plus `addComment`
 * in one mutation, whether or not `@include` leaves the comment out: the stand-in's names for those shapes, kept from
 * when it dispatched by operation name); any other document is named by its root fields, e.g. `viewer` or `addLabelsToLabelable`.
 * `standIn.graphql.set(shapeName, resolver)` overrides the answer for one shape (a race, a canned answer).
 */

export interface GraphqlError {
  type?: string;
  path?: (string | number)[];
  locations?: { line: number; column: number }[];
  extensions?: Record<string, unknown>;
  message: string;
}

export interface GraphqlAnswer {
  data?: unknown;
  errors?: GraphqlError[];
}

export type GraphqlResolver = (variables: Record<string, unknown>, ctx: Ctx) => GraphqlAnswer;

/** Parse the POST body; a GraphQL error answer (status 200, like GitHub) when it is not a runnable document. */
export function parseRequest(body: Record<string, unknown>): GraphqlRequest | GraphqlAnswer {
  if (typeof body.query !== 'string')
    return { errors: [{ message: 'A query attribute must be specified and must be a string.' }] };
  let document: Document;
  try {
    document = parseDocument(body.query);
  } catch (err) {
    if (!(err instanceof GraphqlSyntaxError)) throw err;
    return {
      errors: [{ message: `Parse error: ${err.message}`, locations: [{ line: err.line, column: err.column }] }],
    };
  }
  const operation = pickOperation(document, body.operationName);
  if (!operation) return { errors: [{ message: `No operation named "${String(body.operationName ?? '')}"` }] };
  const variables =
    body.variables && typeof body.variables === 'object' ? (body.variables as Record<string, unknown>) : {};
  return { document, operation, variables };
}

export function isRequest(x: GraphqlRequest | GraphqlAnswer): x is GraphqlRequest {
  return 'document' in x;
}

/** Selected field names under a path of fields (`['repository', 'issue']`), across every root field on that path. */
function selectedUnder(req: GraphqlRequest, path: string[]): Set<string> {
  let level = fieldsOf(req.operation.selections, req.document);
  for (const name of path)
    level = level.filter((f) => f.name === name).flatMap((f) => fieldsOf(f.selections, req.document));
  return new Set(level.map((f) => f.name));
}

/** The name counters and faults use for this request's shape; see the module comment. */
export function shapeName(req: GraphqlRequest): string {
  const root = selectedUnder(req, []);
  if (req.operation.type === 'mutation') {
    if (root.size === 1 && root.has('addComment')) return 'LabelBotAddComment';
    if (root.size === 2 && root.has('addLabelsToLabelable') && root.has('addComment')) return 'LabelBotApplyDecision';
  } else if (root.size === 1 && root.has('repository')) {
    const issue = selectedUnder(req, ['repository', 'issue']);
    if (issue.has('timelineItems') || issue.has('labels')) return 'LabelBotIssueState';
    if (issue.has('editor')) return 'LabelBotIssueEditor';
  }
  return [...root].join(',') || '(empty)';
}

/**
 * The issue a request concerns, for the per-issue counters: `owner/repo#n` from `repository(…) { issue(number:) }`
 * (or `pullRequest`) or from a mutation's subject/labelable/comment node id. Known before faults fire, so failed and
 * faulted calls count against their issue as REST ones do.
 */
export function graphqlIssueKey(store: GitHubStore, req: GraphqlRequest): string | undefined {
  const arg = (f: Field, name: string) => evaluate(f.args[name], req.variables, req.operation);
  for (const root of fieldsOf(req.operation.selections, req.document)) {
    if (root.name === 'repository') {
      const owner = arg(root, 'owner');
      const name = arg(root, 'name');
      for (const f of fieldsOf(root.selections, req.document)) {
        if (!['issue', 'pullRequest', 'issueOrPullRequest'].includes(f.name)) continue;
        const number = arg(f, 'number');
        if (typeof owner === 'string' && typeof name === 'string' && typeof number === 'number')
          return `${owner}/${name}#${number}`;
      }
    }
    const input = arg(root, 'input') as Record<string, unknown> | undefined;
    const id = input?.subjectId ?? input?.labelableId ?? input?.id ?? arg(root, 'id');
    const found = findByNodeId(store, id);
    if (found) return `${fullName(found.repo)}#${found.issue.number}`;
  }
  return undefined;
}

class UnknownField extends Error {
  constructor(
    readonly typeName: string,
    readonly field: Field,
  ) {
    super(
      `Field '${field.name}' doesn't exist on type '${typeName}' (the GitHub stand-in does not model it: add it in ` +
        `test/support/github-stand-in/graphql-schema.ts, or answer this shape with standIn.graphql.set())`,
    );
  }
}

function isObject(x: unknown): x is GqlObject {
  return typeof x === 'object' && x !== null && 'typename' in x && 'fields' in x;
}

/**
 * Fields that apply to `obj`, fragments resolved by type condition and `@skip`/`@include` by the request's variables,
 * grouped by response key (GraphQL's field merging).
 */
function collect(
  selections: Selection[],
  obj: GqlObject,
  req: GraphqlRequest,
  out = new Map<string, Field[]>(),
): Map<string, Field[]> {
  const applies = (type?: string) => !type || type === obj.typename || obj.implements.includes(type);
  for (const s of selections) {
    if (!isIncluded(s, req.variables, req.operation)) continue;
    if (s.kind === 'field') {
      const key = s.alias ?? s.name;
      out.set(key, [...(out.get(key) ?? []), s]);
    } else if (s.kind === 'inline') {
      if (applies(s.typeCondition)) collect(s.selections, obj, req, out);
    } else {
      const fragment = req.document.fragments.get(s.name);
      if (fragment && applies(fragment.typeCondition)) collect(fragment.selections, obj, req, out);
    }
  }
  return out;
}

/** Run the request over the schema: partial data plus errors on the failed fields, like GitHub. */
export function execute(req: GraphqlRequest, ctx: Ctx): GraphqlAnswer {
  const errors: GraphqlError[] = [];
  const selectObject = (
    obj: GqlObject,
    selections: Selection[],
    path: (string | number)[],
  ): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, fields] of collect(selections, obj, req)) {
      const field = fields[0]!;
      if (field.name === '__typename') {
        out[key] = obj.typename;
        continue;
      }
      const resolve = obj.fields[field.name];
      if (!resolve) throw new UnknownField(obj.typename, field);
      const args = Object.fromEntries(
        Object.entries(field.args).map(([k, v]) => [k, evaluate(v, req.variables, req.operation)]),
      );
      let value: unknown;
      try {
        value = resolve(args);
      } catch (err) {
        if (!(err instanceof FieldError)) throw err;
        errors.push({
          type: err.type,
          path: [...path, key],
          locations: [{ line: field.line, column: field.column }],
          message: err.message,
        });
        value = null;
      }
      out[key] = complete(
        value,
        fields.flatMap((f) => f.selections),
        [...path, key],
      );
    }
    return out;
  };
  const complete = (value: unknown, selections: Selection[], path: (string | number)[]): unknown => {
    if (Array.isArray(value)) return value.map((v, i) => complete(v, selections, [...path, i]));
    return isObject(value) ? selectObject(value, selections, path) : (value ?? null);
  };
  const root = req.operation.type === 'mutation' ? mutationRoot(ctx) : queryRoot(ctx);
  try {
    const data = selectObject(root, req.operation.selections, []);
    return errors.length ? { data, errors } : { data };
  } catch (err) {
    if (!(err instanceof UnknownField)) throw err;
    return {
      errors: [
        {
          path: [req.operation.type],
          extensions: { code: 'undefinedField', typeName: err.typeName, fieldName: err.field.name },
          locations: [{ line: err.field.line, column: err.field.column }],
          message: err.message,
        },
      ],
    };
  }
}

/** Overrides by shape name; every shape without one is executed over the schema. */
export function builtinOperations(): Map<string, GraphqlResolver> {
  const run: GraphqlResolver = (_variables, ctx) => execute(ctx.graphql!, ctx);
  return new Map([
    ['LabelBotIssueState', run],
    ['LabelBotIssueEditor', run],
    ['LabelBotAddComment', run],
  ]);
}
