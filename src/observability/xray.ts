/** The parts of an OpenTelemetry `SpanContext` an X-Ray trace header gives. */
export interface XRaySpanContext {
  readonly traceId: string;
  readonly spanId: string;
  /** `1` (sampled) or `0`. */
  readonly traceFlags: number;
  readonly isRemote: true;
}

const ROOT = /^1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})$/;
const PARENT = /^[0-9a-fA-F]{16}$/;
const ALL_ZEROS = /^0+$/;

/**
 * The producer's span context from an X-Ray trace header, as SQS keeps it in
 * the `AWSTraceHeader` system attribute:
 * `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`.
 * The trace id is the root's 8 + 24 hex digits, the span id its `Parent`,
 * sampled only for `Sampled=1`. Anything malformed (no root or parent, wrong
 * lengths, non-hex digits, an all-zero id, not a string) gives `undefined`;
 * it never throws.
 */
export function spanContextFromXRay(header: unknown): XRaySpanContext | undefined {
  if (typeof header !== 'string' || header.length > 1024) return undefined;
  let root: RegExpExecArray | null = null;
  let parent: string | undefined;
  let sampled = false;
  for (const part of header.split(';')) {
    const equals = part.indexOf('=');
    if (equals < 0) continue;
    const key = part.slice(0, equals).trim();
    const value = part.slice(equals + 1).trim();
    if (key === 'Root') root = ROOT.exec(value);
    else if (key === 'Parent') parent = value;
    else if (key === 'Sampled') sampled = value === '1';
  }
  if (root === null || parent === undefined || !PARENT.test(parent)) return undefined;
  const traceId = `${root[1]}${root[2]}`.toLowerCase();
  const spanId = parent.toLowerCase();
  if (ALL_ZEROS.test(traceId) || ALL_ZEROS.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: sampled ? 1 : 0, isRemote: true };
}
