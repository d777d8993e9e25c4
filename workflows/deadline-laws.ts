// The request's deadline under every law that applies: computed from receipt at the start, brought
// forward when the subject's records reveal a stricter law (never moved later), and the CCPA
// §7021 acknowledgement of receipt. Deterministic: the laws come in as activity results.
import { patched } from '@temporalio/workflow';
import type { DsarActivities } from '../activities';
import { computeDeadline, type Deadline, type Jurisdiction } from '../schemas/deadline';
import type { DsarRequestInput, DsarRequestState } from '../schemas/workflow';
import type { AttentionGuard } from './attention';

/** Workflows started before the acknowledgement existed replay without it. */
const CCPA_ACKNOWLEDGEMENT_PATCH = 'ccpa-7021-acknowledgement';

type Steps = Pick<DsarActivities, 'recordJurisdiction'>;
type MailSteps = Pick<DsarActivities, 'sendAcknowledgement'>;

export interface DeadlineKeeper {
  /** The limits as they stand (an extension is validated against them). */
  current(): Deadline;
  /** CCPA §7021: receipt confirmed to the subject at once, when the CCPA applies. */
  acknowledgeReceipt(guard: AttentionGuard): Promise<void>;
  /** Laws learned from the subject's records: recorded, and the due date brought forward if they are stricter. */
  tighten(laws: Jurisdiction[], guard: AttentionGuard): Promise<void>;
}

/** Sets `state.dueAt` from receipt; `moved` is called when a stricter law brings it forward. */
export function deadlineKeeper(
  input: DsarRequestInput,
  state: DsarRequestState,
  activities: { steps: Steps; mailSteps: MailSteps },
  moved: () => void,
): DeadlineKeeper {
  // Workflow time (deterministic); the API passes the instant it stored as received.
  const receivedAt = new Date(input.receivedAt ?? Date.now());
  let deadline = computeDeadline(receivedAt, input.jurisdictions ?? [input.jurisdiction ?? 'policy'], input.policyDays, input.type);
  state.dueAt = deadline.dueAt.toISOString();
  const acknowledge = (guard: AttentionGuard) => guard.run(() => activities.mailSteps.sendAcknowledgement(state.requestId, state.dueAt!));

  return {
    current: () => deadline,
    async acknowledgeReceipt(guard) {
      if (deadline.acknowledgeBy && patched(CCPA_ACKNOWLEDGEMENT_PATCH)) await acknowledge(guard);
    },
    async tighten(laws, guard) {
      const stricter = computeDeadline(receivedAt, [...deadline.jurisdictions, ...laws], input.policyDays, input.type);
      if (stricter.jurisdictions.join() === deadline.jurisdictions.join()) return;
      const newlyAcknowledged = stricter.acknowledgeBy && !deadline.acknowledgeBy;
      deadline = stricter;
      // an extension an admin granted stands; otherwise the earlier date wins
      if (!state.extendedDueAt && stricter.dueAt.getTime() < Date.parse(state.dueAt!)) {
        state.dueAt = stricter.dueAt.toISOString();
        moved();
      }
      await activities.steps.recordJurisdiction(state.requestId, {
        jurisdictions: stricter.jurisdictions,
        jurisdiction: stricter.jurisdiction,
        dueAt: state.dueAt!,
      });
      if (newlyAcknowledged) await acknowledge(guard);
    },
  };
}
