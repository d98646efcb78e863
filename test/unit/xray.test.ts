import { describe, expect, it } from 'vitest';
import { spanContextFromXRay } from '../../src/observability/xray.js';

describe('spanContextFromXRay (the AWSTraceHeader system attribute)', () => {
  it('reads the trace id from the root, the span id from the parent, and the sampled flag', () => {
    expect(spanContextFromXRay('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1')).toEqual({
      traceId: '5759e988bd862e3fe1be46a994272793',
      spanId: '53995c3f42cd8ad8',
      traceFlags: 1,
      isRemote: true,
    });
  });

  it.each([
    ['Sampled=0', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0'],
    ['Sampled=? (deferred)', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?'],
    ['no Sampled', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8'],
  ])('is not sampled with %s', (_, header) => {
    expect(spanContextFromXRay(header)?.traceFlags).toBe(0);
  });

  it('takes the fields in any order, with spaces and extra fields (Lineage, Self), and lower-cases hex', () => {
    expect(
      spanContextFromXRay(
        ' Sampled=1 ; Lineage=a87bd80c:1|68fd508a:5 ;Parent=53995C3F42CD8AD8; Root=1-5759E988-BD862E3FE1BE46A994272793;Self=1-x',
      ),
    ).toEqual({
      traceId: '5759e988bd862e3fe1be46a994272793',
      spanId: '53995c3f42cd8ad8',
      traceFlags: 1,
      isRemote: true,
    });
  });

  it.each([
    ['not a string', 42],
    ['undefined', undefined],
    ['empty', ''],
    ['no parent (a header SQS kept from a trace without a parent segment)', 'Root=1-5759e988-bd862e3fe1be46a994272793'],
    ['no root', 'Parent=53995c3f42cd8ad8;Sampled=1'],
    ['version other than 1', 'Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8'],
    ['short epoch part', 'Root=1-5759e98-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8'],
    ['long random part', 'Root=1-5759e988-bd862e3fe1be46a9942727931;Parent=53995c3f42cd8ad8'],
    ['non-hex trace id', 'Root=1-5759e988-bd862e3fe1be46a99427279z;Parent=53995c3f42cd8ad8'],
    ['non-hex parent', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8adg'],
    ['short parent', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad'],
    ['all-zero trace id', 'Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8'],
    ['all-zero parent', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000'],
    ['W3C traceparent instead', '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01'],
    ['absurdly long', `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;${'x'.repeat(2000)}`],
  ])('gives nothing, without throwing, for a malformed header: %s', (_, header) => {
    expect(spanContextFromXRay(header)).toBeUndefined();
  });
});
