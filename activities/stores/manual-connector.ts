// A store no API reaches: the work is a task for the privacy team; the request workflow waits
// for an admin to mark it done (activities/manual-tasks.ts opens and closes the task).
import type { Connector } from './connector';
import { NOTHING_DONE } from './connector';

export const manualConnector: Connector = {
  async plan(ctx) {
    return { ...ctx.target, action: 'manual', rows: 0 };
  },
  async erase(ctx) {
    return { ...NOTHING_DONE, ...ctx.target, kind: 'manual', action: 'manual' };
  },
  async verify() {
    return 0;
  },
};
