/**
 * Terraform expressions as CloudFormation values, from the syntax tree HashiCorp's HCL parser gives
 * (`@cdktn/hcl2json`): references to resources become `Ref`/`Fn::GetAtt`, `var.x` a parameter,
 * templates `Fn::Join`, `jsonencode(…)` its argument. What only a plan knows (`data.…`, module outputs,
 * arithmetic, conditionals) stays unresolved, with the reason.
 */
import { Unresolvable } from './intrinsics.js';

/** The part of `@cdktn/hcl2json` the check uses. */
export interface HclParser {
  parse(filename: string, contents: string): Promise<Record<string, unknown>>;
  getExpressionAst(filename: string, expression: string): Promise<HclNode | null>;
}

export interface HclNode {
  readonly type: string;
  readonly children: readonly HclNode[];
  readonly meta?: {
    readonly value?: string;
    readonly type?: string;
    readonly name?: string;
    readonly fullAccessor?: string;
  };
  readonly range?: { readonly start: { readonly byte: number }; readonly end: { readonly byte: number } };
}

/** A resource's attribute by Terraform name, as the CloudFormation attribute the reader understands. */
const ATTRIBUTES: Record<string, Record<string, string | undefined>> = {
  aws_sqs_queue: { arn: 'Arn', url: undefined, id: undefined, name: 'QueueName' },
  aws_lambda_function: { arn: 'Arn', qualified_arn: 'Arn', function_name: undefined, id: undefined },
  aws_lambda_alias: { arn: 'Arn', id: undefined, name: undefined },
};

/** Converts the values of a Terraform block as `hcl2json` wrote them: expressions arrive as `"${…}"` strings. */
export class HclValues {
  private readonly converting = new Set<string>();

  constructor(
    private readonly parser: HclParser,
    private readonly file: string,
    private readonly addresses: ReadonlySet<string>,
    private readonly locals: Readonly<Record<string, unknown>>,
  ) {}

  async value(raw: unknown): Promise<unknown> {
    if (typeof raw === 'string') return raw.includes('${') ? this.expression(raw) : raw;
    if (Array.isArray(raw)) return Promise.all(raw.map((item) => this.value(item)));
    if (raw !== null && typeof raw === 'object') {
      const entries = await Promise.all(
        Object.entries(raw).map(async ([key, item]) => [key, await this.value(item)] as const),
      );
      return Object.fromEntries(entries);
    }
    return raw;
  }

  private async expression(text: string): Promise<unknown> {
    // A template: `"${…}"` alone is its expression, text around it makes a string.
    const source = `"${text}"`;
    let ast: HclNode | null;
    try {
      ast = await this.parser.getExpressionAst(this.file, source);
    } catch {
      return new Unresolvable(`${shorten(text)} is an expression this check cannot read`);
    }
    return ast ? this.node(ast, source) : null;
  }

  private async node(node: HclNode, source: string): Promise<unknown> {
    const children = node.children;
    switch (node.type) {
      case 'templateWrap':
        return children[0] ? this.node(children[0], source) : '';
      case 'template': {
        const parts = await Promise.all(children.map((child) => this.node(child, source)));
        if (parts.length === 1) return parts[0];
        return { 'Fn::Join': ['', parts.filter((part) => part !== '')] };
      }
      case 'literalValue':
        return literal(node.meta?.type, node.meta?.value);
      case 'scopeTraversal':
        return this.reference(node.meta?.fullAccessor ?? '');
      case 'tuple':
        return Promise.all(children.map((child) => this.node(child, source)));
      case 'object': {
        const object: Record<string, unknown> = {};
        for (let i = 0; i + 1 < children.length; i += 2) {
          const key = await this.key(children[i] as HclNode, source);
          object[key] = await this.node(children[i + 1] as HclNode, source);
        }
        return object;
      }
      case 'function': {
        const name = node.meta?.name;
        if ((name === 'jsonencode' || name === 'tostring' || name === 'tonumber') && children[0]) {
          return this.node(children[0], source);
        }
        return new Unresolvable(
          `${shorten(node.meta?.value ?? `${name}(…)`)}: ${name}() is not evaluated by this check`,
        );
      }
      default:
        return new Unresolvable(`${shorten(node.meta?.value ?? source)} is not evaluated by this check`);
    }
  }

  /** An object key: a bare name (read from the source by its range), a string, or (unevaluated) its text. */
  private async key(node: HclNode, source: string): Promise<string> {
    // A quoted key arrives wrapped in an untyped node around its template.
    const inner = node.type === '' && node.children.length === 1 ? (node.children[0] as HclNode) : node;
    if (inner.children.length > 0) {
      const value = await this.node(inner, source);
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    }
    const range = node.range;
    const bytes = Buffer.from(source);
    const text = range ? bytes.subarray(range.start.byte, range.end.byte).toString('utf8').trim() : '';
    return text.replace(/^"(.*)"$/, '$1');
  }

  /** `aws_sqs_queue.orders.arn`, `var.timeout`, `local.name`, `data.…`, `module.…`. */
  private async reference(accessor: string): Promise<unknown> {
    const [head, name] = accessor.replace(/\[[^\]]*\]/g, '').split('.');
    if (head === 'var' && name) return { Ref: name };
    if (head === 'local' && name) return this.local(name);
    return resourceReference(accessor, this.addresses);
  }

  private async local(name: string): Promise<unknown> {
    if (!(name in this.locals)) return new Unresolvable(`local.${name} is not defined in these files`);
    if (this.converting.has(name)) return new Unresolvable(`local.${name} refers to itself`);
    this.converting.add(name);
    try {
      return await this.value(this.locals[name]);
    } finally {
      this.converting.delete(name);
    }
  }
}

/**
 * A reference to a resource's attribute as CloudFormation: `aws_sqs_queue.q.arn` → `Fn::GetAtt`,
 * `aws_sqs_queue.q.url` → `Ref`; data sources, module outputs and unknown resources stay unresolved.
 * `module` is the address prefix of the module the reference is written in (`module.queues.`).
 */
export function resourceReference(accessor: string, addresses: ReadonlySet<string>, module = ''): unknown {
  const [head, name, attribute] = accessor.replace(/\[[^\]]*\]/g, '').split('.');
  if (head === 'data') return new Unresolvable(`${accessor} is read from the account when Terraform plans`);
  if (head === 'module') return new Unresolvable(`${accessor} is an output of module ${name} (check it with --live)`);
  const address = `${module}${head}.${name}`;
  if (!addresses.has(address)) return new Unresolvable(`${accessor} is not defined in these files`);
  const known = ATTRIBUTES[head as string];
  if (known && attribute !== undefined && attribute in known) {
    const mapped = known[attribute];
    return mapped === undefined ? { Ref: address } : { 'Fn::GetAtt': [address, mapped] };
  }
  return { 'Fn::GetAtt': [address, attribute ?? 'id'] };
}

function literal(type: string | undefined, value: string | undefined): unknown {
  if (type === 'number') return Number(value);
  if (type === 'bool') return value === 'true';
  // `null` is a literal of the dynamic type.
  if (type === 'null' || value === undefined || (type === 'dynamic' && value === 'null')) return null;
  // `$${` and `%%{` are Terraform's escapes for a literal `${` and `%{`.
  return value.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
