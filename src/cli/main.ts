import { parseCheckArgs, USAGE } from './args.js';
import { checkSource } from './check.js';
import { EXIT, LiveError, TemplateError, UsageError } from './errors.js';
import { eventSourcesLive, type ModuleLoader } from './live.js';
import { loadTemplate } from './load.js';
import type { EventSourceModel } from './model.js';
import { formatJson, formatText, type Report, type TemplateOutcome } from './report.js';
import { eventSourcesInTemplate } from './template.js';

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
    io.stderr(`sqs-partial-batch: ${error.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (args.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }

  const sources: EventSourceModel[] = [];
  const templates: TemplateOutcome[] = [];
  for (const file of args.templates) {
    try {
      const found = eventSourcesInTemplate(await loadTemplate(file), args.parameters);
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
