// The sentences of a notice that depend on the law and on what happened, one function each, so a
// notice says only what follows from its inputs: the right to complain per jurisdiction (GDPR
// Art. 12(4), 77, 79; CCPA: the Agency and the Attorney General, never a "supervisory
// authority"), and service providers only when one was actually told.
import type { Config } from '../schemas/config';
import type { Jurisdiction } from '../schemas/deadline';

/** Per-deployment wording: who the subject writes to, and where they may complain. */
export interface NoticeSettings {
  /** GDPR: the supervisory authority named (SUPERVISORY_AUTHORITY). */
  supervisoryAuthority: string;
  /** CCPA: where a California consumer may complain (CCPA_COMPLAINT_TO). */
  ccpaComplaintTo: string;
  /** The privacy team's public contact (PRIVACY_CONTACT); unset: "reply to this email". */
  contact?: string;
}

export const noticeSettings = (
  config: Pick<Config, 'SUPERVISORY_AUTHORITY' | 'CCPA_COMPLAINT_TO' | 'PRIVACY_CONTACT'>,
): NoticeSettings => ({
  supervisoryAuthority: config.SUPERVISORY_AUTHORITY,
  ccpaComplaintTo: config.CCPA_COMPLAINT_TO,
  contact: config.PRIVACY_CONTACT,
});

const writeToUs = (s: NoticeSettings) => (s.contact ? `write to us at ${s.contact}` : 'reply to this email');

/**
 * Where the subject can turn when we decline, postpone or do not act (GDPR Art. 12(4): the
 * supervisory authority and a judicial remedy; CCPA: a review by us, the Agency and the Attorney
 * General; policy: a neutral sentence).
 */
export function recourseSentence(jurisdiction: Jurisdiction, s: NoticeSettings): string {
  switch (jurisdiction) {
    case 'gdpr':
      return `If you disagree, you have the right to lodge a complaint with ${s.supervisoryAuthority} and to seek a judicial remedy; you can also ${writeToUs(s)}.`;
    case 'ccpa':
      return `If you disagree, ${writeToUs(s)} and we will review our decision; you may also file a complaint with ${s.ccpaComplaintTo}.`;
    case 'policy':
      return `If you have questions or disagree, ${writeToUs(s)} and we will look into it.`;
  }
}

/** The unverified request was closed without action: why, and where to turn (GDPR Art. 12(4)). */
export function unverifiedRecourseLines(jurisdiction: Jurisdiction, s: NoticeSettings): string[] {
  return ['', recourseSentence(jurisdiction, s)];
}

/**
 * The service providers told of the request (GDPR Art. 19; CCPA §7022(b)(3)), by their
 * description; nothing when none was: `processors` comes from the outcomes, never from the map.
 */
export function processorSentence(action: 'delete' | 'correct', processors: string[]): string[] {
  if (!processors.length) return [];
  return action === 'delete'
    ? [`We have also told these service providers, who process your data for us, to delete it: ${processors.join(', ')}.`]
    : ['', `We have also told these service providers, who process your data for us: ${processors.join(', ')}.`];
}

/** The rights an access report reminds of, in the words of the request's law (GDPR Art. 15(1)(e)–(f); CCPA §7011). */
export function accessRightsSentence(jurisdiction: Jurisdiction, s: NoticeSettings): string {
  switch (jurisdiction) {
    case 'gdpr':
      return `You also have the right to ask us to correct or delete this data, to object to or restrict its processing, and to lodge a complaint with ${s.supervisoryAuthority}.`;
    case 'ccpa':
      return `You also have the right to ask us to correct or delete this data, to opt out of its sale or sharing, and not to be treated differently for using these rights; you may complain to ${s.ccpaComplaintTo}.`;
    case 'policy':
      return `You can also ask us to correct or delete this data: ${writeToUs(s)}.`;
  }
}
