import { parseCheckArgs, USAGE } from './args.js';
import { checkSource } from './check.js';
import { EXIT, LiveError, TemplateError, UsageError } from './errors.js';
import { eventSourcesLive, type ModuleLoader } from './live.js';
import { type LoadedTemplate, loadTemplate } from './load.js';
import type { EventSourceModel, Known, QueueModel } from './model.js';
import { formatJson, formatText, type Report, type TemplateOutcome } from './report.js';
import { eventSourcesInTemplate, queueExports } from './template.js';

/** Where the command writes, and how it loads the AWS SDK (tests replace both). */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly load?: ModuleLoader;
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
    io.stderr(`sqs-partial-batch: ${error.message}\nRun \`sqs-partial-batch --help\` for the options.\n`);
    return EXIT.usage;
  }
  if (args.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }

  const sources: EventSourceModel[] = [];
  const templates: TemplateOutcome[] = [];
  const loaded: Array<LoadedTemplate | TemplateError> = [];
  for (const file of args.templates) {
    try {
      loaded.push(await loadTemplate(file));
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      loaded.push(error);
    }
  }
  const parameterProblem = checkParameters(
    args.parameters,
    loaded.filter((t): t is LoadedTemplate => !(t instanceof TemplateError)),
  );
  if (parameterProblem !== undefined) {
    io.stderr(`sqs-partial-batch: ${parameterProblem}\n`);
    return EXIT.usage;
  }
  // Queues one template exports, for the `!ImportValue` of the others (several stacks checked in one run).
  const imports = new Map<string, Known<QueueModel>>();
  for (const template of loaded) {
    if (template instanceof TemplateError) continue;
    for (const [name, queue] of queueExports(template, args.parameters)) imports.set(name, queue);
  }
  for (const [i, template] of loaded.entries()) {
    const file = args.templates[i] as string;
    try {
      if (template instanceof TemplateError) throw template;
      const found = eventSourcesInTemplate(template, args.parameters, imports);
      sources.push(...found);
      templates.push({ file, sources: found.length });
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      io.stderr(`sqs-partial-batch: ${error.message}\n`);
      templates.push({ file, sources: 0, error: { message: error.message, line: error.line, column: error.column } });
    }
  }

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

/**
 * A `--parameter` no template declares, or whose value is not among the
 * parameter's `AllowedValues`: said, not silently ignored. Names with a colon
 * are Serverless Framework variables (`env:QUEUE_ARN`), which no template declares.
 */
function checkParameters(
  parameters: ReadonlyMap<string, string>,
  templates: readonly LoadedTemplate[],
): string | undefined {
  const declared = new Map<string, { file: string; allowed: unknown }>();
  for (const template of templates) {
    if (template.format === 'serverless') continue;
    const section = template.body.Parameters;
    if (section === null || typeof section !== 'object' || Array.isArray(section)) continue;
    for (const [name, declaration] of Object.entries(section)) {
      const allowed =
        declaration !== null && typeof declaration === 'object'
          ? (declaration as { AllowedValues?: unknown }).AllowedValues
          : undefined;
      declared.set(name, { file: template.file, allowed });
    }
  }
  for (const [name, value] of parameters) {
    if (name.includes(':')) continue;
    const found = declared.get(name);
    if (found === undefined) {
      const names = [...declared.keys()];
      return `unknown parameter \`${name}\` in \`--parameter\`: ${names.length === 0 ? 'no template declares parameters' : `the templates declare ${names.join(', ')}`}`;
    }
    if (Array.isArray(found.allowed) && !found.allowed.map(String).includes(value)) {
      return `\`--parameter ${name}=${value}\`: ${name} allows only ${found.allowed.map(String).join(', ')} (${found.file})`;
    }
  }
  return undefined;
}
