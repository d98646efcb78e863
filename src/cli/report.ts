import type { Finding, NotCheckedRule, SourceResult } from './check.js';
import type { EventSourceModel, Known, Location } from './model.js';
import type { Severity } from './rules/rule.js';

/** A template that was read (with how many event sources it has) or could not be. */
export interface TemplateOutcome {
  readonly file: string;
  readonly sources: number;
  readonly error?: {
    readonly message: string;
    readonly line?: number | undefined;
    readonly column?: number | undefined;
  };
}

export interface Report {
  readonly templates: readonly TemplateOutcome[];
  /** Present with `--live`. */
  readonly live?: { readonly region?: string; readonly sources: number; readonly error?: string };
  readonly results: readonly SourceResult[];
}

export interface Summary {
  readonly errors: number;
  readonly warnings: number;
  readonly info: number;
  readonly notChecked: number;
  readonly eventSources: number;
  readonly unreadable: number;
}

export function summarize(report: Report): Summary {
  const findings = report.results.flatMap((r) => r.findings);
  const count = (severity: Severity) => findings.filter((f) => f.severity === severity).length;
  return {
    errors: count('error'),
    warnings: count('warning'),
    info: count('info'),
    notChecked: report.results.reduce((n, r) => n + r.notChecked.length, 0),
    eventSources: report.results.length,
    unreadable: report.templates.filter((t) => t.error).length + (report.live?.error ? 1 : 0),
  };
}

/** The report for `--format json`: stable keys for CI. */
export function formatJson(report: Report): string {
  return `${JSON.stringify(
    {
      summary: summarize(report),
      templates: report.templates,
      ...(report.live ? { live: report.live } : {}),
      eventSources: report.results.map((r) => ({
        id: r.source.id,
        ...(r.source.label ? { label: r.source.label } : {}),
        ...(r.source.location ? { location: r.source.location } : {}),
        queue: nameOf(r.source.queue),
        function: nameOf(r.source.function),
        rulesChecked: r.checked,
      })),
      findings: report.results.flatMap((r) => r.findings),
      notChecked: report.results.flatMap((r) => r.notChecked),
    },
    null,
    2,
  )}\n`;
}

/** The readable report: each event source, its findings with their fix, and what could not be checked. */
export function formatText(report: Report): string {
  const out: string[] = [];
  // Results come in the order of the inputs, each template's `sources` of them, then the deployed ones.
  let next = 0;
  const take = (count: number) => {
    next += count;
    return report.results.slice(next - count, next);
  };
  for (const template of report.templates) {
    if (template.error) continue;
    out.push(`${template.file}: ${plural(template.sources, 'SQS event source')}`);
    for (const result of take(template.sources)) out.push(...formatSource(result));
    out.push('');
  }
  if (report.live && !report.live.error) {
    out.push(
      `deployed (${report.live.region ?? 'default region'}): ${plural(report.live.sources, 'SQS event source mapping')}`,
    );
    for (const result of take(report.live.sources)) out.push(...formatSource(result));
    out.push('');
  }
  const s = summarize(report);
  const parts = [plural(s.errors, 'error'), plural(s.warnings, 'warning'), `${s.info} info`];
  const tail = [`${plural(s.notChecked, 'rule')} not checked`, `${plural(s.eventSources, 'event source')} checked`];
  if (s.unreadable > 0) tail.push(`${s.unreadable} unreadable`);
  out.push(`${parts.join(', ')}; ${tail.join(', ')}`);
  return `${out.join('\n')}\n`;
}

function formatSource(result: SourceResult): string[] {
  const { source, findings, notChecked, checked } = result;
  const out = [`  ${title(source)}${where(source.location)}`];
  if (findings.length === 0) out.push(`    ${notChecked.length === 0 ? 'ok: ' : ''}${plural(checked, 'rule')} passed`);
  for (const finding of findings) out.push(...formatFinding(finding));
  for (const [reason, rules] of groupByReason(notChecked)) {
    out.push(`    not checked: ${rules.join(', ')}`, `      because ${reason}`);
  }
  return out;
}

function formatFinding(f: Finding): string[] {
  return [
    `    ${f.severity.padEnd(7)} ${f.rule}${f.location?.line === undefined ? '' : `  (line ${f.location.line})`}`,
    `      ${f.message}`,
    `      resources: ${f.resources.join(', ')}`,
    '      fix:',
    ...f.fix.split('\n').map((line) => `        ${line}`),
    `      docs: ${f.doc}`,
  ];
}

function groupByReason(notChecked: readonly NotCheckedRule[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { rule, reason } of notChecked) groups.set(reason, [...(groups.get(reason) ?? []), rule]);
  return groups;
}

function title(source: EventSourceModel): string {
  const queue = source.queue.known ? ` (queue ${source.queue.value.name})` : '';
  return source.label ? `${source.label} [${source.id}]` : `${source.id}${queue}`;
}

function where(location: Location | undefined): string {
  return location?.line === undefined ? '' : `, line ${location.line}`;
}

function nameOf(value: Known<{ readonly name: string }>): string | null {
  return value.known ? value.value.name : null;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
