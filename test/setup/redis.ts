// Global setup of the vitest run: names the run for Redis key prefixes (see
// redisKeyPrefix in test/helpers/redis.ts), and at the end deletes every key
// the run wrote, then fails the run if any remain. So `npm test` leaves Redis
// as it found it.
import { deleteRunKeys, newRunTag, REDIS_URL, RUN_TAG_VARIABLE, redisReachable } from '../helpers/redis.js';

export default function setup(): () => Promise<void> {
  // Workers inherit the environment, so every test file of the run sees the same tag.
  process.env[RUN_TAG_VARIABLE] ??= newRunTag();
  const tag = process.env[RUN_TAG_VARIABLE];
  return async () => {
    if (!(await redisReachable())) return; // nothing was written: the Redis tests skipped (or failed, under CI)
    // vitest reports an error thrown here but still exits 0, so the exit code is set by hand.
    try {
      const { remaining } = await deleteRunKeys(REDIS_URL, tag);
      if (remaining.length === 0) return;
      console.error(
        `Redis still holds ${remaining.length} keys of this test run (${tag}) after cleanup: ${remaining.slice(0, 5).join(', ')}${remaining.length > 5 ? ', …' : ''}`,
      );
    } catch (error) {
      console.error(`Could not delete this test run's Redis keys (${tag}*):`, error);
    }
    process.exitCode = 1;
  };
}
