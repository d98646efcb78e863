import { MAPPING_RULES } from './mapping.js';
import { QUEUE_RULES } from './queue.js';
import type { Rule } from './rule.js';
import { SOURCE_RULES } from './source.js';

/** Every rule, in the order reports list them: partial batch responses first. */
export const RULES: readonly Rule[] = [
  ...MAPPING_RULES.slice(0, 1),
  ...QUEUE_RULES,
  ...MAPPING_RULES.slice(1),
  ...SOURCE_RULES,
];
