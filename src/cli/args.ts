import { parseArgs } from 'node:util';
import { closest } from '../optionChecks.js';
import { UsageError } from './errors.js';
import { RULES } from './rules/index.js';

export const USAGE = `Usage: sqs-partial-batch check [options] <template>...
       sqs-partial-batch check --live [options]

Checks the SQS event sources of AWS SAM and CloudFormation templates (YAML or
JSON, including CDK's cdk.out/*.template.json), Serverless Framework
serverless.yml files, Terraform (.tf files or a directory of them), or a
deployed account, for settings that lose or stall messages. - reads a
template from standard input.

Options:
  --format <text|json>      output format (default: text)
  --parameter <Name=Value>  a template parameter's (or Terraform variable's) value, over
                            its Default; for serverless.yml, an \${opt:Name} (repeatable)
  --ignore <rule-id>        skip a rule (repeatable)
  --live                    check the event source mappings deployed in the account
  --region <region>         with --live: the region (default: AWS_REGION, then the profile's)
  --profile <name>          with --live: the profile (default: AWS_PROFILE, then default)
  --function <name>         with --live: only this function's mappings (repeatable)
  --timeout <seconds>       with --live: give up when AWS has not answered (default: 15)
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
  /** With `--live`: seconds to wait for AWS; the default is `LIVE_TIMEOUT_SECONDS`. */
  readonly timeout?: number | undefined;
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
    throw new UsageError(parseFailure(error as Error), { cause: error });
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
  for (const flag of ['region', 'profile', 'function', 'timeout'] as const) {
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
    timeout: values.timeout === undefined ? undefined : seconds(values.timeout),
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
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS });
}

/** The argument parser's complaint in our words: the option, and the one it resembles. */
function parseFailure(error: Error): string {
  const option = /Unknown option '(-{1,2})([^']*)'/.exec(error.message);
  if (option) {
    const suggestion = closest(option[2] as string, Object.keys(OPTIONS));
    return `Unknown option \`${option[1]}${option[2]}\`${suggestion ? ` (did you mean \`--${suggestion}\`?)` : ''}`;
  }
  const missing = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(error.message);
  if (missing) return `\`${missing[1]}\` needs a value`;
  return error.message.split('. ')[0] as string;
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

function seconds(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !(value > 0 && value <= 3600)) {
    throw new UsageError(`Expected \`--timeout\` to be a number of seconds between 0 and 3600, got \`${text}\``);
  }
  return value;
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
