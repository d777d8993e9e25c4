import { Context } from '@temporalio/activity';

const HEARTBEAT_EVERY_MS = 2000;

/**
 * Heartbeats while `work` runs, so Temporal notices a dead worker within the heartbeat
 * timeout instead of the (long) start-to-close timeout. Outside an activity it just runs.
 */
export async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return work();
  }
  ctx.heartbeat(); // at once: a step with a short heartbeat timeout may have spent some of it already
  const timer = setInterval(() => ctx!.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
