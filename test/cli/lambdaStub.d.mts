import type { LambdaClient, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-lambda';
import type { AwsStub } from 'aws-sdk-client-mock';

/** What the stubbed Lambda API answers. */
export interface LambdaApi {
  /** ListEventSourceMappings pages; page n+1 is asked for with `Marker: 'page-<n+1>'`. */
  readonly pages: readonly { EventSourceMappings: readonly object[]; NextMarker?: string }[];
  /** GetFunctionConfiguration answers by FunctionName, or the error it throws. */
  readonly configurations: Readonly<
    Record<string, { Timeout?: number; Runtime?: string } | { error: { name: string; message: string } }>
  >;
  /** GetFunctionConcurrency answers by FunctionName. */
  readonly concurrency: Readonly<Record<string, { ReservedConcurrentExecutions?: number }>>;
}

export declare function stubLambda(
  description: LambdaApi,
): AwsStub<ServiceInputTypes, ServiceOutputTypes, LambdaClient['config']>;
