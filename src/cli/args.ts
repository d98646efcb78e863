import { parseArgs } from 'node:util';
import { closest } from '../optionChecks.js';
import { UsageError } from './errors.js';
import { RULES } from './rules.js';

export const USAGE = `Usage: sqs-partial-batch check [options] <template>...
       sqs-partial-batch check --live [options]

Checks the SQS event sources of AWS SAM and CloudFormation templates (YAML or
JSON, including CDK's cdk.out/*.template.json), or of a deployed account, for
settings that lose or stall messages.

Options:
  --format <text|json>      output format (default: text)
  --parameter <Name=Value>  a template parameter's value, over its Default (repeatable)
  --ignore <rule-id>        skip a rule (repeatable)
  --live                    check the event source mappings deployed in the account
  --region <region>         with --live: the region (default: AWS_REGION, then the profile's)
  --profile <name>          with --live: the profile (default: AWS_PROFILE, then default)
  --function <name>         with --live: only this function's mappings (repeatable)
  -h, --help                show this help

Exit codes: 0 no error-level finding, 1 at least one, 2 bad usage or an
unreadable template.

Rules: ${RULES.map((r) => r.id).join(', ')}
`;

export interface CheckArgs {
  readonly help: boolean;
  readonly templates: readonly string[];
  readonly format: 'text' | 'json';
  readonly parameters: ReadonlyMap<string, string>;
  readonly ignore: ReadonlySet<string>;
  readonly live: boolean;
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
  readonly functions: readonly string[];
}

/**
 * Parses `check` arguments.
 *
 * @throws {UsageError} for an unknown command or option, a bad value, or nothing to check.
 */
export function parseCheckArgs(argv: readonly string[]): CheckArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(parseFailure(error), { cause: error });
  }
  const { values, positionals } = parsed;
  const [command, ...templates] = positionals;
  const help = values.help === true;
  if (help) return { ...empty(), help };
  if (command !== 'check') {
    throw new UsageError(
      command === undefined ? 'missing command: check' : `unknown command \`${command}\`; the command is check`,
    );
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') {
    throw new UsageError(`Expected \`--format\` to be text or json, got \`${format}\``);
  }
  const live = values.live === true;
  for (const flag of ['region', 'profile', 'function'] as const) {
    if (values[flag] !== undefined && !live) throw new UsageError(`\`--${flag}\` needs \`--live\``);
  }
  if (templates.length === 0 && !live) throw new UsageError('give at least one template, or --live');
  return {
    help,
    templates,
    format,
    parameters: parameterMap(values.parameter ?? []),
    ignore: ruleSet(values.ignore ?? []),
    live,
    region: values.region,
    profile: values.profile,
    functions: values.function ?? [],
  };
}

const OPTIONS = {
  format: { type: 'string' },
  parameter: { type: 'string', multiple: true },
  ignore: { type: 'string', multiple: true },
  live: { type: 'boolean' },
  region: { type: 'string' },
  profile: { type: 'string' },
  function: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS });
}

/** The argument parser's complaint in our words: an unknown option gets the closest real one. */
function parseFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknownOption = /^Unknown option '(-{1,2}[^']*)'/.exec(message)?.[1];
  if (unknownOption !== undefined) {
    const suggestion = closest(unknownOption.replace(/^-+/, ''), Object.keys(OPTIONS));
    return `unknown option \`${unknownOption}\`${suggestion ? ` (did you mean \`--${suggestion}\`?)` : ''}`;
  }
  return message.split('\n')[0] as string;
}

function parameterMap(pairs: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`Expected \`--parameter\` as Name=Value, got \`${pair}\``);
    map.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return map;
}

function ruleSet(ids: readonly string[]): Set<string> {
  const known = new Set(RULES.map((r) => r.id));
  for (const id of ids) {
    if (!known.has(id))
      throw new UsageError(`Unknown rule \`${id}\` in \`--ignore\`; the rules are ${[...known].join(', ')}`);
  }
  return new Set(ids);
}

function empty(): Omit<CheckArgs, 'help'> {
  return { templates: [], format: 'text', parameters: new Map(), ignore: new Set(), live: false, functions: [] };
}
