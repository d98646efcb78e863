import type { Feature, InvocationHooks, InvocationStart } from '../contracts/hooks.js';
import type { BatchLogger, TracerLike } from '../types.js';
import { log } from './logging.js';

export type { TracerLike };

/** True for an object with the methods of an OpenTelemetry `Tracer`. */
export function isTracer(value: unknown): value is TracerLike {
  if (typeof value !== 'object' || value === null) return false;
  const tracer = value as Record<string, unknown>;
  return typeof tracer.startSpan === 'function' && typeof tracer.startActiveSpan === 'function';
}

/**
 * The tracing feature as the core holds it: the span code (and
 * `@opentelemetry/api`) live in `./spans.ts`, a chunk of its own, imported when
 * the handler is created, so a handler without `tracer` loads none of it,
 * and the first invocation waits for the import only if it has not finished.
 * If the import fails (`@opentelemetry/api` is not installed), one error is
 * logged and records run without spans.
 */
export function tracingFeature(tracer: TracerLike, logger: BatchLogger | undefined): Feature {
  let loaded: Feature | undefined;
  let loading: Promise<void> | undefined = import('./spans.js')
    .then(({ createRecordTracing }) => createRecordTracing(tracer))
    .then(
      (feature) => {
        loaded = feature;
        loading = undefined;
      },
      (error: unknown) => {
        loading = undefined;
        log(logger, 'error', 'Tracing is off: the `tracer` option could not load its OpenTelemetry code', { error });
      },
    );
  return {
    ready: () => loading,
    start: (invocation: InvocationStart): InvocationHooks | undefined => loaded?.start(invocation),
  };
}
