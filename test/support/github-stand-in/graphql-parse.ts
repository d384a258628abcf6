/**
 * A small GraphQL document parser: enough of the executable grammar (operations, variables, fields with aliases and
 * arguments, inline fragments, named fragments, directives) for the stand-in to answer a query by its shape.
 * The `graphql` package is not installed here, and the stand-in needs no validation against a schema: a field it does
 * not know is answered with a GraphQL error naming it (see graphql-exec.ts).
 */

export type Value =
  | { kind: 'variable'; name: string }
  | { kind: 'list'; items: Value[] }
  | { kind: 'object'; fields: Record<string, Value> }
  | { kind: 'const'; value: unknown };

export interface Field {
  kind: 'field';
  alias?: string;
  name: string;
  args: Record<string, Value>;
  selections: Selection[];
  line: number;
  column: number;
  directives?: Directives;
}

export interface InlineFragment {
  kind: 'inline';
  typeCondition?: string;
  selections: Selection[];
  directives?: Directives;
}

export interface FragmentSpread {
  kind: 'spread';
  name: string;
  directives?: Directives;
}

/** A selection's directives by name, with their arguments (`@include(if: $x)` → `{ include: { if: … } }`). */
export type Directives = Record<string, Record<string, Value>>;

export type Selection = Field | InlineFragment | FragmentSpread;

export interface Operation {
  type: 'query' | 'mutation' | 'subscription';
  name?: string;
  /** Declared defaults, for variables the request leaves out. */
  defaults: Record<string, Value>;
  selections: Selection[];
}

export interface Document {
  operations: Operation[];
  fragments: Map<string, { typeCondition: string; selections: Selection[] }>;
}

/** A parsed request, on `ctx.graphql` while a resolver runs. */
export interface GraphqlRequest {
  document: Document;
  operation: Operation;
  variables: Record<string, unknown>;
}

export class GraphqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

interface Token {
  kind: 'punct' | 'name' | 'number' | 'string' | 'eof';
  value: string;
  line: number;
  column: number;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const at = (start: number) => ({ line, column: start - lineStart + 1 });
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\n') {
      line++;
      i++;
      lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === ',' || c === '\ufeff') {
      i++;
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (source.startsWith('...', i)) {
      tokens.push({ kind: 'punct', value: '...', ...at(i) });
      i += 3;
    } else if ('{}()[]:$!=@|&'.includes(c)) {
      tokens.push({ kind: 'punct', value: c, ...at(i) });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_]\w*/.exec(source.slice(i))![0];
      tokens.push({ kind: 'name', value: m, ...at(i) });
      i += m.length;
    } else if (/[-\d]/.test(c)) {
      const m = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(source.slice(i));
      if (!m) throw new GraphqlSyntaxError(`Unexpected character "${c}"`, line, i - lineStart + 1);
      tokens.push({ kind: 'number', value: m[0], ...at(i) });
      i += m[0].length;
    } else if (source.startsWith('"""', i)) {
      const end = source.indexOf('"""', i + 3);
      if (end < 0) throw new GraphqlSyntaxError('Unterminated string', line, i - lineStart + 1);
      const raw = source.slice(i + 3, end);
      tokens.push({ kind: 'string', value: raw, ...at(i) });
      for (const ch of raw) if (ch === '\n') line++;
      i = end + 3;
    } else if (c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') j += source[j] === '\\' ? 2 : 1;
      if (j >= source.length) throw new GraphqlSyntaxError('Unterminated string', line, i - lineStart + 1);
      tokens.push({ kind: 'string', value: JSON.parse(source.slice(i, j + 1)) as string, ...at(i) });
      i = j + 1;
    } else {
      throw new GraphqlSyntaxError(`Unexpected character "${c}"`, line, i - lineStart + 1);
    }
  }
  tokens.push({ kind: 'eof', value: '', line, column: i - lineStart + 1 });
  return tokens;
}

/** Parse a GraphQL document; throws `GraphqlSyntaxError` with a position, as GitHub answers with one. */
export function parseDocument(source: string): Document {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const next = () => tokens[pos++]!;
  const fail = (t: Token, what: string): never => {
    throw new GraphqlSyntaxError(
      `Expected ${what}, found ${t.kind === 'eof' ? '<EOF>' : `"${t.value}"`}`,
      t.line,
      t.column,
    );
  };
  const isPunct = (v: string) => peek().kind === 'punct' && peek().value === v;
  const expect = (v: string) => (isPunct(v) ? next() : fail(peek(), `"${v}"`));
  const name = () => (peek().kind === 'name' ? next().value : fail(peek(), 'a name'));

  function value(): Value {
    const t = peek();
    if (isPunct('$')) {
      next();
      return { kind: 'variable', name: name() };
    }
    if (isPunct('[')) {
      next();
      const items: Value[] = [];
      while (!isPunct(']')) items.push(value());
      next();
      return { kind: 'list', items };
    }
    if (isPunct('{')) {
      next();
      const fields: Record<string, Value> = {};
      while (!isPunct('}')) {
        const key = name();
        expect(':');
        fields[key] = value();
      }
      next();
      return { kind: 'object', fields };
    }
    next();
    if (t.kind === 'number') return { kind: 'const', value: Number(t.value) };
    if (t.kind === 'string') return { kind: 'const', value: t.value };
    if (t.kind === 'name') {
      if (t.value === 'true' || t.value === 'false') return { kind: 'const', value: t.value === 'true' };
      if (t.value === 'null') return { kind: 'const', value: null };
      return { kind: 'const', value: t.value }; // an enum value, e.g. LABELED_EVENT
    }
    return fail(t, 'a value');
  }

  function args(): Record<string, Value> {
    const out: Record<string, Value> = {};
    if (!isPunct('(')) return out;
    next();
    while (!isPunct(')')) {
      const key = name();
      expect(':');
      out[key] = value();
    }
    next();
    return out;
  }

  function directives(): Directives | undefined {
    let out: Directives | undefined;
    while (isPunct('@')) {
      next();
      const directive = name();
      (out ??= {})[directive] = args();
    }
    return out;
  }

  function typeRef(): void {
    if (isPunct('[')) {
      next();
      typeRef();
      expect(']');
    } else name();
    if (isPunct('!')) next();
  }

  function selectionSet(): Selection[] {
    expect('{');
    const out: Selection[] = [];
    while (!isPunct('}')) {
      if (isPunct('...')) {
        next();
        if (peek().kind === 'name' && peek().value !== 'on') {
          const spread = name();
          out.push({ kind: 'spread', name: spread, directives: directives() });
        } else {
          let typeCondition: string | undefined;
          if (peek().value === 'on') {
            next();
            typeCondition = name();
          }
          const inlineDirectives = directives();
          out.push({ kind: 'inline', typeCondition, directives: inlineDirectives, selections: selectionSet() });
        }
        continue;
      }
      const start = peek();
      let fieldName = name();
      let alias: string | undefined;
      if (isPunct(':')) {
        next();
        alias = fieldName;
        fieldName = name();
      }
      const fieldArgs = args();
      const fieldDirectives = directives();
      const selections = isPunct('{') ? selectionSet() : [];
      out.push({
        kind: 'field',
        alias,
        name: fieldName,
        args: fieldArgs,
        selections,
        line: start.line,
        column: start.column,
        directives: fieldDirectives,
      });
    }
    next();
    return out;
  }

  const doc: Document = { operations: [], fragments: new Map() };
  while (peek().kind !== 'eof') {
    if (isPunct('{')) {
      doc.operations.push({ type: 'query', defaults: {}, selections: selectionSet() });
      continue;
    }
    const keyword = name();
    if (keyword === 'fragment') {
      const fragmentName = name();
      if (name() !== 'on') fail(tokens[pos - 1]!, '"on"');
      const typeCondition = name();
      directives();
      doc.fragments.set(fragmentName, { typeCondition, selections: selectionSet() });
      continue;
    }
    if (keyword !== 'query' && keyword !== 'mutation' && keyword !== 'subscription')
      fail(tokens[pos - 1]!, 'an operation');
    const op: Operation = { type: keyword as Operation['type'], defaults: {}, selections: [] };
    if (peek().kind === 'name') op.name = name();
    if (isPunct('(')) {
      next();
      while (!isPunct(')')) {
        expect('$');
        const variable = name();
        expect(':');
        typeRef();
        if (isPunct('=')) {
          next();
          op.defaults[variable] = value();
        }
        directives();
      }
      next();
    }
    directives();
    op.selections = selectionSet();
    doc.operations.push(op);
  }
  return doc;
}

/** The operation a request runs: the named one, or the only one. */
export function pickOperation(doc: Document, operationName?: unknown): Operation | undefined {
  if (typeof operationName === 'string' && operationName) return doc.operations.find((o) => o.name === operationName);
  return doc.operations.length === 1 ? doc.operations[0] : undefined;
}

/** Resolve an argument value against the request's variables (and the operation's declared defaults). */
export function evaluate(v: Value | undefined, variables: Record<string, unknown>, op?: Operation): unknown {
  if (!v) return undefined;
  switch (v.kind) {
    case 'const':
      return v.value;
    case 'variable':
      return v.name in variables ? variables[v.name] : evaluate(op?.defaults[v.name], variables, op);
    case 'list':
      return v.items.map((item) => evaluate(item, variables, op));
    case 'object':
      return Object.fromEntries(Object.entries(v.fields).map(([k, item]) => [k, evaluate(item, variables, op)]));
  }
}

/** `@skip(if:)` / `@include(if:)` as GraphQL executes them: a selection is left out when skipped or not included. */
export function isIncluded(s: Selection, variables: Record<string, unknown>, op?: Operation): boolean {
  const d = s.directives;
  if (!d) return true;
  if (d.skip && evaluate(d.skip.if, variables, op) === true) return false;
  if (d.include && evaluate(d.include.if, variables, op) !== true) return false;
  return true;
}

/** Fields of a selection set with fragments flattened (type conditions ignored): for classifying a document's shape. */
export function fieldsOf(selections: Selection[], doc: Document): Field[] {
  return selections.flatMap((s) => {
    if (s.kind === 'field') return [s];
    if (s.kind === 'inline') return fieldsOf(s.selections, doc);
    const fragment = doc.fragments.get(s.name);
    return fragment ? fieldsOf(fragment.selections, doc) : [];
  });
}
