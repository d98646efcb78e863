type S3Sdk = typeof import('@aws-sdk/client-s3');

export type { S3Sdk };

let sdk: Promise<S3Sdk> | undefined;

/** Why a call was given up, in words of ours: its message is safe to show whole (no key, no content). */
export class GivenUp extends Error {}

/**
 * `@aws-sdk/client-s3`, imported on first use (the reader's first pointer,
 * `sendMessages`' first offload). The `.catch` sits on the `import()` itself,
 * so a bundle builds without the package; a failed import is not cached.
 */
export function loadS3Sdk(): Promise<S3Sdk> {
  sdk ??= import('@aws-sdk/client-s3').catch((error: unknown) => {
    sdk = undefined;
    throw new GivenUp(
      `large payloads need @aws-sdk/client-s3 (npm install @aws-sdk/client-s3): ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  return sdk;
}
