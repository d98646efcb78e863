/**
 * The subset of the Standard Schema v1 interface (https://standardschema.dev)
 * that this library relies on. It is declared here, structurally, so that the
 * package has no dependency on any schema library: zod 4 (and zod/mini),
 * valibot, arktype and every other Standard Schema implementation fit it as is.
 *
 * @example
 * ```ts
 * import type { StandardSchemaV1 } from 'sqs-partial-batch';
 * import { z } from 'zod';
 *
 * const Order: StandardSchemaV1<unknown, { orderId: string }> = z.object({ orderId: z.string() });
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

/** Types that belong to {@link StandardSchemaV1}. */
export declare namespace StandardSchemaV1 {
  /** The properties a Standard Schema exposes under `~standard`. */
  interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }

  /** What `validate` returns: a value, or issues. */
  type Result<Output> = SuccessResult<Output> | FailureResult;

  /** A successful validation. */
  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }

  /** A failed validation, with every issue the schema found. */
  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }

  /** One validation issue. */
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }

  /** A path segment in object form. */
  interface PathSegment {
    readonly key: PropertyKey;
  }

  /** Phantom types carried by a schema for inference. */
  interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }

  /** The output type of a schema. */
  type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
}
