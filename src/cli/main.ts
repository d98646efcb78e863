import { parseCheckArgs, USAGE } from './args.js';
import { checkSource } from './check.js';
import { EXIT, LiveError, TemplateError, UsageError } from './errors.js';
import { STDIN, STDIN_LABEL } from './input.js';
import { eventSourcesLive, type ModuleLoader } from './live.js';
import { loadTemplate } from './load.js';
import type { EventSourceModel, LoadedTemplate } from './model.js';
import { checkParameters } from './parameters.js';
import { formatJson, formatText, type Report, type TemplateOutcome } from './report.js';
import { serverlessToCloudFormation } from './serverless.js';
import { type CloudFormationView, eventSourcesInTemplates } from './template.js';

/** Where the command writes, and how it loads the AWS SDK and reads standard input (tests replace them). */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly load?: ModuleLoader;
  readonly stdin?: AsyncIterable<Uint8Array>;
}

/**
 * Runs `sqs-partial-batch <argv>` and returns the exit code: 0 when no
 * error-level finding exists, 1 when one does, 2 for bad usage, an unreadable
 * template, or a `--live` check that could not start.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let args: ReturnType<typeof parseCheckArgs>;
  try {
    args = parseCheckArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`sqs-partial-batch: ${error.message}\n${HELP_HINT}`);
    return EXIT.usage;
  }
  if (args.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }

  const loaded: (LoadedTemplate | TemplateError)[] = [];
  for (const file of args.templates) {
    try {
      loaded.push(await loadTemplate(file, io.stdin));
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      io.stderr(`sqs-partial-batch: ${error.message}\n`);
      loaded.push(error);
    }
  }
  const read = loaded.filter((t): t is LoadedTemplate => !(t instanceof TemplateError));
  try {
    checkParameters(read, args.parameters);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`sqs-partial-batch: ${error.message}\n`);
    return EXIT.usage;
  }
  // Checked together: an !ImportValue resolves to an export of another template given.
  const found = eventSourcesInTemplates(
    read.map((t) => view(t, args.parameters)),
    args.parameters,
  );
  const sources: EventSourceModel[] = found.flat();
  const templates: TemplateOutcome[] = loaded.map((t, i) => {
    const file = args.templates[i] === STDIN ? STDIN_LABEL : (args.templates[i] as string);
    if (!(t instanceof TemplateError)) return { file, sources: (found[read.indexOf(t)] ?? []).length };
    return { file, sources: 0, error: { message: t.message, line: t.line, column: t.column } };
  });

  let live: Report['live'];
  if (args.live) {
    try {
      const deployed = await eventSourcesLive(args, io.load);
      sources.push(...deployed.sources);
      live = { region: deployed.region, sources: deployed.sources.length };
    } catch (error) {
      if (!(error instanceof LiveError)) throw error;
      io.stderr(`sqs-partial-batch: ${error.message}\n`);
      live = { sources: 0, error: error.message };
    }
  }

  const report: Report = {
    templates,
    ...(live ? { live } : {}),
    results: sources.map((source) => checkSource(source, args.ignore)),
  };
  io.stdout(args.format === 'json' ? formatJson(report) : formatText(report));
  if (templates.some((t) => t.error) || live?.error) return EXIT.usage;
  return report.results.some((r) => r.findings.some((f) => f.severity === 'error')) ? EXIT.findings : EXIT.ok;
}

const HELP_HINT = 'Run `sqs-partial-batch --help` for the options.\n';

/** The CloudFormation the reader checks: a template as it is, a `serverless.yml` translated with its variables. */
function view(template: LoadedTemplate, parameters: ReadonlyMap<string, string>): CloudFormationView {
  if (template.format === 'serverless') return serverlessToCloudFormation(template, parameters);
  if (template.format === 'terraform') return { ...template, dialect: 'terraform' };
  return template;
}
