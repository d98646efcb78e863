import type { SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { sqsEvent } from '../../src/testing/index.js';

/** The small JSON order body every benchmark uses. */
export const Order = z.object({
  orderId: z.string(),
  customerId: z.string(),
  amountCents: z.number().int().positive(),
  currency: z.enum(['EUR', 'USD', 'GBP']),
});
export type Order = z.infer<typeof Order>;

/** A standard-queue event of `size` valid orders. */
export function orderEvent(size: number): SQSEvent {
  return sqsEvent(
    Array.from({ length: size }, (_, i) => ({
      orderId: `order-${i}`,
      customerId: `customer-${i % 97}`,
      amountCents: 100 + (i % 500),
      currency: 'EUR',
    })),
  );
}

/** The record functions compared: one that does nothing, one that awaits a 1 ms timer. */
export const WORK = {
  'no-op': async (_order: Order): Promise<void> => {},
  '1 ms timer': (_order: Order): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1)),
} as const;
export type WorkName = keyof typeof WORK;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A markdown table. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
