// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are CloudFormation Fn::Sub text
import { describe, expect, it } from 'vitest';
import {
  Composite,
  Evaluator,
  NO_VALUE,
  Pseudo,
  ResourceAttr,
  describe as render,
  type Scope,
} from '../../src/cli/intrinsics.js';

const scope: Scope = {
  resources: { Queue: { Type: 'AWS::SQS::Queue' }, Fn: { Type: 'AWS::Lambda::Function' } },
  parameters: {
    Env: { Type: 'String', Default: 'prod' },
    NoDefault: { Type: 'String' },
    Sizes: { Type: 'List<Number>', Default: '1,2,3' },
    Listed: { Type: 'CommaDelimitedList', Default: ['a', 'b'] },
    FromSsm: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/app/setting' },
    Untyped: { Default: 7 },
  },
  conditions: {
    IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
    InRegion: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] },
    Plain: true,
    Bad: 'yes',
    NotACall: { 'Fn::Base64': 'x' },
    Loop: { Condition: 'Loop' },
    OneSided: { 'Fn::Equals': [] },
    RightUnknown: { 'Fn::Equals': ['a', { Ref: 'NoDefault' }] },
    AndUnknown: { 'Fn::And': [{ Condition: 'IsProd' }, { Condition: 'InRegion' }] },
    OrTrue: { 'Fn::Or': [{ Condition: 'Plain' }, { 'Fn::Not': [{ Condition: 'IsProd' }] }] },
  },
  mappings: { Sizes: { prod: { Batch: 50 } } },
  overrides: new Map([['Untyped', '9']]),
};
const ev = new Evaluator(scope);
const value = (node: unknown) => ev.shallow(node);

describe('Evaluator', () => {
  it('resolves parameters: overrides, defaults, lists, and says why it cannot', () => {
    expect(value({ Ref: 'Env' })).toEqual({ known: true, value: 'prod' });
    expect(value({ Ref: 'Untyped' })).toEqual({ known: true, value: '9' });
    expect(value({ Ref: 'Sizes' })).toEqual({ known: true, value: ['1', '2', '3'] });
    expect(value({ Ref: 'Listed' })).toEqual({ known: true, value: ['a', 'b'] });
    expect(value({ Ref: 'NoDefault' })).toEqual({
      known: false,
      reason: 'parameter NoDefault has no Default; pass --parameter NoDefault=<value>',
    });
    expect(value({ Ref: 'FromSsm' })).toEqual({
      known: false,
      reason: 'parameter FromSsm is read from SSM Parameter Store at deployment',
    });
    expect(value({ Ref: 'Nothing' })).toEqual({
      known: false,
      reason: '!Ref Nothing names nothing defined in this template',
    });
    expect(value({ Ref: 3 })).toMatchObject({ known: false, reason: '!Ref 3 is not a valid Ref' });
  });

  it('keeps what only a deployment knows symbolic', () => {
    expect(value({ Ref: 'Queue' })).toEqual({ known: true, value: new ResourceAttr('Queue') });
    expect(value({ Ref: 'AWS::Region' })).toEqual({ known: true, value: new Pseudo('AWS::Region') });
    expect(value({ Ref: 'AWS::NoValue' })).toEqual({ known: true, value: NO_VALUE });
    expect(value({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toEqual({ known: true, value: new ResourceAttr('Queue', 'Arn') });
    expect(value({ 'Fn::GetAtt': ['Nope', 'Arn'] })).toMatchObject({
      known: false,
      reason: '!GetAtt Nope names no resource in this template',
    });
    // The string form is valid CloudFormation (#23: it was called malformed, and the queue's rules were skipped).
    expect(value({ 'Fn::GetAtt': 'Queue.Arn' })).toEqual({ known: true, value: new ResourceAttr('Queue', 'Arn') });
    expect(value({ 'Fn::GetAtt': 'Queue' })).toMatchObject({
      known: false,
      reason: expect.stringMatching(/is malformed$/),
    });
    // `!Sub '${Queue.Arn}'` is the attribute itself, not a string built from it.
    expect(value({ 'Fn::Sub': '${Queue.Arn}' })).toEqual({ known: true, value: new ResourceAttr('Queue', 'Arn') });
    expect(value({ 'Fn::GetAtt': ['Queue', { Ref: 'NoDefault' }] })).toMatchObject({ known: false });
  });

  it('evaluates Sub, Join, Select, Split, If and FindInMap', () => {
    expect(value({ 'Fn::Sub': 'q-${Env}-${!Literal}' })).toEqual({ known: true, value: 'q-prod-${Literal}' });
    expect(value({ 'Fn::Sub': ['${A}-${B}', { A: 1, B: { Ref: 'Env' } }] })).toEqual({ known: true, value: '1-prod' });
    expect(value({ 'Fn::Sub': 'arn:${AWS::Partition}:sqs:x:y:${Queue.QueueName}' })).toEqual({
      known: true,
      value: new Composite(['arn:', new Pseudo('AWS::Partition'), ':sqs:x:y:', new ResourceAttr('Queue', 'QueueName')]),
    });
    expect(value({ 'Fn::Sub': '${NoDefault}' })).toMatchObject({ known: false });
    expect(value({ 'Fn::Sub': 3 })).toMatchObject({ known: false, reason: expect.stringMatching(/malformed/) });
    expect(value({ 'Fn::Join': ['-', ['a', 1, { Ref: 'Env' }]] })).toEqual({ known: true, value: 'a-1-prod' });
    expect(value({ 'Fn::Join': ['', [{ Ref: 'AWS::Region' }, { 'Fn::Sub': '${AWS::AccountId}' }]] })).toEqual({
      known: true,
      value: new Composite([new Pseudo('AWS::Region'), new Pseudo('AWS::AccountId')]),
    });
    expect(value({ 'Fn::Join': ['-', 'ab'] })).toMatchObject({
      known: false,
      reason: expect.stringMatching(/does not join a list/),
    });
    expect(value({ 'Fn::Join': ['-', [{ a: 1 }]] })).toMatchObject({
      known: false,
      reason: expect.stringMatching(/a string is built from/),
    });
    expect(value({ 'Fn::Join': 'x' })).toMatchObject({ known: false });
    expect(value({ 'Fn::Join': ['-', { Ref: 'NoDefault' }] })).toMatchObject({ known: false });
    expect(value({ 'Fn::Select': [1, { Ref: 'Sizes' }] })).toEqual({ known: true, value: '2' });
    expect(value({ 'Fn::Select': ['5', ['a']] })).toMatchObject({
      known: false,
      reason: expect.stringMatching(/selects nothing/),
    });
    expect(value({ 'Fn::Select': [{ Ref: 'NoDefault' }, ['a']] })).toMatchObject({ known: false });
    expect(value({ 'Fn::Select': [0, { Ref: 'NoDefault' }] })).toMatchObject({ known: false });
    expect(value({ 'Fn::Select': 'x' })).toMatchObject({ known: false });
    expect(value({ 'Fn::Split': [',', 'a,b'] })).toEqual({ known: true, value: ['a', 'b'] });
    expect(value({ 'Fn::Split': [',', { Ref: 'Queue' }] })).toMatchObject({
      known: false,
      reason: expect.stringMatching(/known only once deployed/),
    });
    expect(value({ 'Fn::Split': [',', { Ref: 'NoDefault' }] })).toMatchObject({ known: false });
    expect(value({ 'Fn::Split': 'x' })).toMatchObject({ known: false });
    expect(value({ 'Fn::If': ['IsProd', 'yes', 'no'] })).toEqual({ known: true, value: 'yes' });
    expect(value({ 'Fn::If': ['Nope', 'yes', 'no'] })).toMatchObject({
      known: false,
      reason: 'condition Nope is not defined',
    });
    expect(value({ 'Fn::If': ['IsProd'] })).toMatchObject({ known: false, reason: expect.stringMatching(/malformed/) });
    expect(value({ 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'Batch'] })).toEqual({ known: true, value: 50 });
    expect(value({ 'Fn::FindInMap': ['Sizes', 'dev', 'Batch', { DefaultValue: 10 }] })).toEqual({
      known: true,
      value: 10,
    });
    expect(value({ 'Fn::FindInMap': ['Sizes', 'dev', 'Batch'] })).toMatchObject({
      known: false,
      reason: 'mapping Sizes has no entry dev.Batch',
    });
    expect(value({ 'Fn::FindInMap': ['Sizes', { Ref: 'AWS::Region' }, 'Batch'] })).toMatchObject({ known: false });
    expect(value({ 'Fn::FindInMap': ['Sizes', { Ref: 'NoDefault' }, 'Batch'] })).toMatchObject({ known: false });
    expect(value({ 'Fn::FindInMap': ['Sizes'] })).toMatchObject({ known: false });
  });

  it('reports what it does not evaluate', () => {
    expect(value({ 'Fn::ImportValue': 'shared' })).toEqual({
      known: false,
      reason: '!ImportValue shared is imported from another stack (pass the exporting template too)',
    });
    expect(value({ 'Fn::Base64': 'x' })).toEqual({ known: false, reason: '!Base64 x is not evaluated by this check' });
    expect(value('{{resolve:ssm:/x}}')).toMatchObject({
      known: false,
      reason: expect.stringMatching(/dynamic reference/),
    });
    expect(value({ 'Fn::ToJsonString': { a: { Ref: 'Env' } } })).toEqual({ known: true, value: { a: 'prod' } });
    const deep = Array.from({ length: 70 }).reduce<unknown>((node) => ({ 'Fn::If': ['IsProd', node, 0] }), 1);
    expect(value(deep)).toMatchObject({ known: false, reason: expect.stringMatching(/nest too deeply/) });
  });

  it('evaluates deep structures, dropping AWS::NoValue, and stops at the first unknown', () => {
    expect(ev.deep({ a: [1, { Ref: 'AWS::NoValue' }], b: { Ref: 'AWS::NoValue' } })).toEqual({
      known: true,
      value: { a: [1] },
    });
    expect(ev.deep([{ Ref: 'NoDefault' }])).toMatchObject({ known: false });
    expect(ev.deep({ a: { Ref: 'NoDefault' } })).toMatchObject({ known: false });
  });

  it('evaluates conditions, or says which cannot be', () => {
    expect(ev.condition('IsProd')).toEqual({ known: true, value: true });
    expect(ev.condition('Plain')).toEqual({ known: true, value: true });
    expect(ev.condition('OrTrue')).toEqual({ known: true, value: true });
    expect(ev.condition('InRegion')).toMatchObject({
      known: false,
      reason: expect.stringMatching(/depends on values known only once deployed/),
    });
    expect(ev.condition('AndUnknown')).toMatchObject({ known: false });
    expect(ev.condition('Bad')).toMatchObject({ known: false, reason: expect.stringMatching(/is not a condition/) });
    expect(ev.condition('NotACall')).toMatchObject({
      known: false,
      reason: expect.stringMatching(/is not a condition/),
    });
    expect(ev.condition('Loop')).toMatchObject({ known: false, reason: expect.stringMatching(/too deeply/) });
    expect(ev.condition('OneSided')).toMatchObject({ known: false, reason: expect.stringMatching(/needs two values/) });
    expect(ev.condition('RightUnknown')).toMatchObject({ known: false });
    expect(ev.condition(3)).toMatchObject({ known: false, reason: 'condition 3 is not defined' });
  });

  it('renders values for messages in short form', () => {
    expect(render(new ResourceAttr('Q'))).toBe('!Ref Q');
    expect(render(new Composite(['arn:', new ResourceAttr('Q', 'Arn'), new ResourceAttr('Q')]))).toBe(
      'arn:${Q.Arn}${Q}',
    );
    expect(render({ 'Fn::GetAtt': ['Q', 'Arn'] })).toBe('!GetAtt Q.Arn');
    expect(render({ 'Fn::Join': ['-', ['a']] })).toBe('!Join ["-",["a"]]');
    expect(render('x'.repeat(100))).toBe(`${'x'.repeat(77)}...`);
    expect(render(undefined)).toBe('undefined');
  });
});
