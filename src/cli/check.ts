import type { EventSourceModel, Location } from './model.js';
import { RULES } from './rules/index.js';
import { NotChecked, type Rule, type Severity } from './rules/rule.js';

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  readonly eventSource: string;
  readonly message: string;
  readonly resources: readonly string[];
  readonly fix: string;
  readonly doc: string;
  readonly location?: Location;
}

export interface NotCheckedRule {
  readonly rule: string;
  readonly eventSource: string;
  /** What could not be resolved, e.g. an import from another stack. */
  readonly reason: string;
}

/** The outcome of every rule for one event source. */
export interface SourceResult {
  readonly source: EventSourceModel;
  readonly findings: readonly Finding[];
  readonly notChecked: readonly NotCheckedRule[];
  /** Rules that ran to a verdict (a finding or a pass). */
  readonly checked: number;
}

/**
 * Runs the rules on one event source. A rule that needs a value the check
 * could not resolve is reported as not checked, with the reason.
 */
export function checkSource(
  source: EventSourceModel,
  ignore: ReadonlySet<string> = new Set(),
  rules: readonly Rule[] = RULES,
): SourceResult {
  const findings: Finding[] = [];
  const notChecked: NotCheckedRule[] = [];
  let checked = 0;
  for (const rule of rules) {
    if (ignore.has(rule.id)) continue;
    try {
      const violation = rule.check(source);
      checked++;
      if (violation) {
        const location = violation.location ?? source.location;
        findings.push({
          rule: rule.id,
          severity: rule.severity,
          eventSource: source.id,
          message: violation.message,
          resources: violation.resources,
          fix: violation.fix,
          doc: rule.doc,
          ...(location ? { location } : {}),
        });
      }
    } catch (error) {
      if (!(error instanceof NotChecked)) throw error;
      notChecked.push({ rule: rule.id, eventSource: source.id, reason: error.message });
    }
  }
  return { source, findings, notChecked, checked };
}
