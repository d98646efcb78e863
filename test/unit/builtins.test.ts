import { afterEach, describe, expect, it } from 'vitest';
import { consoleClass, nodeCrypto } from '../../src/builtins.js';
import { InvalidOptionsError } from '../../src/errors.js';

const original = process.getBuiltinModule;

afterEach(() => {
  process.getBuiltinModule = original;
});

describe('built-ins loaded on first use', () => {
  it('gives node:crypto and the Console class', () => {
    expect(nodeCrypto().createHash('sha256').update('x').digest('hex')).toHaveLength(64);
    expect(new (consoleClass())({ stdout: process.stdout })).toHaveProperty('log');
  });

  it('says which Node.js it needs where process.getBuiltinModule is missing', () => {
    (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
    expect(() => consoleClass()).toThrow(InvalidOptionsError);
    expect(() => consoleClass()).toThrow(/needs Node\.js 20\.16 or later/);
  });
});
