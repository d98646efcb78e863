// Answers the Lambda API calls of `check --live` from a plain description, with aws-sdk-client-mock
// (a stub on the client's send: no request leaves the process). Used by the tests in process, and
// preloaded into the built bin (`node --import ./lambdaStub.mjs dist/cli.js`) with the description
// in SPB_LAMBDA_STUB.
import {
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { interceptLocalhostDns } from 'fauxqs';

const failure = ({ name, message }) => Object.assign(new Error(message), { name });

/** Stubs LambdaClient; returns the stub (restore it when done). */
export function stubLambda(description) {
  const stub = mockClient(LambdaClient);
  stub.on(ListEventSourceMappingsCommand).callsFake(async (input) => {
    const index = input.Marker ? Number(input.Marker.replace('page-', '')) - 1 : 0;
    return description.pages[index];
  });
  stub.on(GetFunctionConfigurationCommand).callsFake(async (input) => {
    const answer = description.configurations[input.FunctionName];
    if (!answer)
      throw failure({ name: 'ResourceNotFoundException', message: `Function not found: ${input.FunctionName}` });
    if (answer.error) throw failure(answer.error);
    return answer;
  });
  stub.on(GetFunctionConcurrencyCommand).callsFake(async (input) => description.concurrency[input.FunctionName] ?? {});
  return stub;
}

if (process.env.SPB_LAMBDA_STUB) {
  interceptLocalhostDns();
  stubLambda(JSON.parse(process.env.SPB_LAMBDA_STUB));
}
