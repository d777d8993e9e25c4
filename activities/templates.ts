// The words the subject reads. Plain text first: it survives every mail client.
import type { RequestType } from '../schemas/request';
import type { Attention, CorrectionSkipReason } from '../schemas/workflow';
import type { Jurisdiction } from '../schemas/deadline';
import { processorSentence, recourseSentence, unverifiedRecourseLines, type NoticeSettings } from './notice-sentences';

/** The law the request is answered under, and the deployment's wording for recourse. */
export interface NoticeLaw {
  jurisdiction: Jurisdiction;
  settings: NoticeSettings;
}

const TYPE_PHRASE: Record<RequestType, string> = {
  access: 'a copy of the personal data we hold about you (right of access)',
  export: 'an export of your personal data in a portable format (data portability)',
  correction: 'a correction of your personal data',
  deletion: 'the deletion of your personal data',
  opt_out: 'us to stop selling or sharing your personal information (opt-out)',
  limit: 'us to limit the use of your sensitive personal information',
  restriction: 'the restriction of the processing of your personal data',
  objection: 'us to stop processing your personal data for a purpose you object to',
};

const day = (d: Date) => d.toISOString().slice(0, 10);

export function verificationMail(p: {
  requestId: string;
  type: RequestType;
  dueAt: Date;
  link: string;
  /** The status page with the request's status token: it shows the request's progress. */
  statusLink: string;
  token: string;
  expiresAt: Date;
  /** The confirmation page without the code, for typing it. */
  typeLink: string;
  /** CCPA §7062: the fact from the account the subject is also asked to confirm. */
  stepUpQuestion?: string;
  /** CCPA §7063: the authorized agent who asked on the subject's behalf. */
  agentName?: string;
}) {
  return {
    subject: 'Confirm your privacy request',
    text: [
      p.agentName
        ? `An authorized agent, ${p.agentName}, asked on your behalf for ${TYPE_PHRASE[p.type]}. We act only once you confirm it yourself.`
        : `We received your request for ${TYPE_PHRASE[p.type]}.`,
      `Reference: ${p.requestId}`,
      `We will respond by ${day(p.dueAt)}.`,
      '',
      'To protect your data we first need to confirm that this request comes from you.',
      `Open this link to confirm (valid until ${p.expiresAt.toISOString()}):`,
      p.link,
      '',
      `Or confirm with the code: ${p.token}`,
      `(type it at ${p.typeLink} — upper or lower case, with or without the dash; it works once)`,
      ...(p.stepUpQuestion ? ['', `To protect this request we will also ask you: ${p.stepUpQuestion}`] : []),
      '',
      'Follow your request here (this link is personal: do not forward it):',
      p.statusLink,
      '',
      'If you did not make this request, ignore this message: nothing will be disclosed.',
    ].join('\n'),
  };
}

/** A place the request could not cover, and why: said to the subject, never left out silently. */
export interface NotCovered {
  place: string;
  reason: string;
}

function notCoveredLines(intro: string, places: NotCovered[]): string[] {
  if (!places.length) return [];
  return ['', intro, ...places.map((n) => `  - ${n.place}: ${n.reason}.`), 'Reply to this mail if you want us to look into them.'];
}

/** "database tables as JSON and CSV, " — or as the one format the archive holds; nothing when it holds no table. */
function tablesAs(formats: readonly string[]): string {
  if (!formats.length) return '';
  return `database tables as ${formats.map((f) => f.toUpperCase()).join(' and ')}, `;
}

export function exportReadyMail(p: {
  requestId: string;
  type: RequestType;
  link: string;
  expiresAt: Date;
  rows: number;
  collections: number;
  notIncluded: NotCovered[];
  /** The formats the archive's database tables are in (json, csv), as its manifest lists them. */
  tableFormats: readonly string[];
}) {
  return {
    subject: p.type === 'access' ? 'Your personal data report is ready' : 'Your data export is ready',
    text: [
      `Your request ${p.requestId} is complete.`,
      '',
      `Download your data (a ZIP file, ${p.rows} records from ${p.collections} places we keep data) here:`,
      p.link,
      '',
      `The link works until ${p.expiresAt.toISOString()}. It is personal: do not forward it.`,
      `The archive holds your data from each place (${tablesAs(p.tableFormats)}other stores as JSON or`,
      'as the files we hold), and manifest.json describing each: what categories of data it holds, why we',
      'process it, who receives it, and how long we keep it.',
      ...(p.type === 'access' ? ['report.html in the archive explains all of it in plain language.'] : []),
      ...notCoveredLines('These places are not included in the archive:', p.notIncluded),
    ].join('\n'),
  };
}

export function unverifiedClosedMail(p: { requestId: string } & NoticeLaw) {
  return {
    subject: 'Your privacy request was closed',
    text: [
      `We could not confirm that request ${p.requestId} came from you within the time allowed,`,
      'so we have closed it without disclosing or changing any data.',
      'You are welcome to make a new request at any time.',
      ...unverifiedRecourseLines(p.jurisdiction, p.settings),
    ].join('\n'),
  };
}

export interface DeletionSummary {
  deleted: { place: string; rows: number }[];
  retained: { place: string; rows: number; basis: string; until?: string }[];
  purgeAt?: Date;
  /** Processors actually asked to delete for this request (and so told, GDPR Art. 19), by description. */
  processorsTold: string[];
  notIncluded: NotCovered[];
}

export function deletionDoneMail(p: { requestId: string } & DeletionSummary) {
  // with an account purge pending the request is not done yet: this mail says so, a second one says when it is
  const lines = p.purgeAt
    ? [`We have acted on your deletion request ${p.requestId}; one step remains (below), and we will write again when it is done.`, '']
    : [`Your deletion request ${p.requestId} has been carried out.`, ''];
  if (p.deleted.length) {
    lines.push('Deleted now:');
    p.deleted.forEach((d) => lines.push(`  - ${d.place}: ${d.rows} records`));
    lines.push('');
  }
  if (p.purgeAt) {
    lines.push(`Your account is deactivated now and will be permanently purged on ${day(p.purgeAt)}.`, '');
  }
  if (p.retained.length) {
    lines.push('Kept because the law requires it (restricted: used for nothing else, then deleted):');
    p.retained.forEach((r) =>
      lines.push(`  - ${r.place}: ${r.rows} records — ${r.basis}${r.until ? `, until ${r.until.slice(0, 10)} at the latest` : ''}`),
    );
    lines.push('');
  }
  lines.push(...processorSentence('delete', p.processorsTold));
  lines.push(...notCoveredLines('We could not act on these places:', p.notIncluded));
  return { subject: p.purgeAt ? 'Your data is being deleted' : 'Your data has been deleted', text: lines.join('\n') };
}

/** The end of a deletion with a purge: the account is gone, proven by a re-query. */
export function accountPurgedMail(p: { requestId: string; purgedAt: Date; retainedKept: boolean }) {
  return {
    subject: 'Your deletion request is complete: your account has been purged',
    text: [
      `Your deletion request ${p.requestId} is complete.`,
      '',
      `On ${day(p.purgedAt)} we permanently purged your deactivated account; we checked afterwards that nothing of it is left.`,
      ...(p.retainedKept
        ? ['The records we told you we must keep by law stay restricted until the date we gave you, then they are deleted.']
        : []),
    ].join('\n'),
  };
}

/** A deletion postponed by a legal hold: what, why (the hold's category, never internal notes) and on what basis. */
export function deletionHeldMail(p: { requestId: string; why: string; basis: string[]; purgeAt?: Date } & NoticeLaw) {
  const what = p.purgeAt
    ? [
        `We cannot finish your deletion request ${p.requestId} yet.`,
        '',
        `What is postponed: the permanent purge of your deactivated account, planned for ${day(p.purgeAt)}. What we told you`,
        'was deleted stays deleted; the account stays deactivated, kept only for that purpose and used for nothing else.',
      ]
    : [
        `We have received and confirmed your deletion request ${p.requestId}, but we cannot carry it out yet.`,
        '',
        'What is postponed: the deletion of all the personal data we hold about you. Nothing has been deleted so far,',
        'and while the hold lasts your data is kept only for that purpose and used for nothing else.',
      ];
  return {
    subject: 'Your deletion request is postponed by a legal hold',
    text: [
      ...what,
      `Why: your data is subject to a legal hold, because ${p.why}.`,
      `On what basis: ${p.basis.join('; ')}.`,
      '',
      'As soon as the hold ends we will carry out the deletion without you having to ask again,',
      'and we will write to you when it is done.',
      '',
      // a request not (yet) acted on: where to turn (GDPR Art. 12(4))
      recourseSentence(p.jurisdiction, p.settings),
    ].join('\n'),
  };
}

export function reminderMail(p: { requestId: string; type: RequestType; dueAt: Date; status: string }) {
  return {
    subject: `[dsar] due in 7 days: ${p.type} request ${p.requestId}`,
    text: [
      `Request ${p.requestId} (${p.type}) is due on ${p.dueAt.toISOString()} and is ${p.status}.`,
      'Complete it, or extend it lawfully (with a reason) before the due date.',
    ].join('\n'),
  };
}

export function overdueMail(p: { requestId: string; type: RequestType; dueAt: Date; status: string }) {
  return {
    subject: `[dsar] OVERDUE: ${p.type} request ${p.requestId}`,
    text: [
      `Request ${p.requestId} (${p.type}) was due on ${p.dueAt.toISOString()} and is still ${p.status}.`,
      'It is now flagged overdue in every listing until it completes.',
    ].join('\n'),
  };
}

export function needsAttentionMail(p: { requestId: string; type: RequestType; dueAt: Date; attention: Attention }) {
  const a = p.attention;
  return {
    subject: `[dsar] NEEDS ATTENTION: ${p.type} request ${p.requestId} stopped at ${a.store}.${a.collection}`,
    text: [
      `Request ${p.requestId} (${p.type}, due ${p.dueAt.toISOString()}) stopped: a step failed in a way no retry can fix.`,
      `Store: ${a.store}`,
      `Collection: ${a.collection}`,
      `Error: ${a.errorClass}: ${a.reason}`,
      '',
      'Fix the store or the data map, then retry the step: POST /v1/admin/requests/<id>/retry, or "Retry" in the dashboard.',
      'Steps already done are not repeated. The deadline clock keeps running.',
    ].join('\n'),
  };
}

export function extensionMail(p: { requestId: string; newDueAt: Date; reason: string } & NoticeLaw) {
  return {
    subject: 'We need more time to answer your privacy request',
    text: [
      `We have extended the time to answer your request ${p.requestId}.`,
      `We will answer by ${day(p.newDueAt)}.`,
      `Why: ${p.reason}`,
      '',
      'The law allows this extension for complex or numerous requests.',
      recourseSentence(p.jurisdiction, p.settings),
    ].join('\n'),
  };
}

const DENIAL_PHRASE: Record<string, string> = {
  manifestly_unfounded: 'the request is manifestly unfounded',
  excessive: 'the request is excessive (for example, repetitive)',
  identity_not_verified: 'we could not verify your identity',
  legal_exemption: 'a legal exemption applies',
  compelling_legitimate_grounds:
    'we have compelling legitimate grounds for the processing which override your interests, rights and freedoms (GDPR Art. 21(1)); the grounds are',
};

export function denialMail(p: { requestId: string; reason: string; details: string } & NoticeLaw) {
  return {
    subject: 'Your privacy request was declined',
    text: [
      `We have declined your request ${p.requestId} because ${DENIAL_PHRASE[p.reason] ?? p.reason}.`,
      p.details,
      '',
      recourseSentence(p.jurisdiction, p.settings),
      'You are also welcome to reply to this email or to make a new request.',
    ].join('\n'),
  };
}

export function correctionDoneMail(p: {
  requestId: string;
  changes: { place: string; fields: string[]; rows: number }[];
  /** Masked values and restricted records the correction did not rewrite (GDPR Art. 18(2)). */
  leftAlone?: { place: string; fields: string[]; reasons: CorrectionSkipReason[] }[];
  processorsTold: string[];
  notIncluded: NotCovered[];
}) {
  const lines = [`Your correction request ${p.requestId} has been carried out.`, ''];
  const leftAlone = p.leftAlone ?? [];
  if (p.changes.length) {
    lines.push('We corrected:');
    p.changes.forEach((c) => lines.push(`  - ${c.place}: ${c.fields.join(', ')}${c.rows ? ` (${c.rows} records)` : ''}`));
  } else if (!leftAlone.length) {
    lines.push('The data we hold already matched what you asked for; nothing needed to change.');
  } else {
    lines.push('Nothing we still use needed to change.');
  }
  if (leftAlone.length) {
    lines.push(
      '',
      'We did not change these records, which are kept only until they are erased or, restricted, for a legal obligation (GDPR Art. 18(2)):',
    );
    const why: Record<CorrectionSkipReason, string> = {
      masked: 'the value was already made unreadable when your data was deleted',
      restricted: 'the records are restricted to that obligation',
      awaiting_purge: 'the account is deactivated and will be erased when its deletion completes',
    };
    leftAlone.forEach((k) => lines.push(`  - ${k.place}: ${k.fields.join(', ')} (${k.reasons.map((r) => why[r]).join('; ')})`));
  }
  lines.push(...processorSentence('correct', p.processorsTold));
  lines.push(...notCoveredLines('We could not pass the correction on to these places:', p.notIncluded));
  return { subject: 'Your data has been corrected', text: lines.join('\n') };
}

/** CCPA §7021: receipt confirmed within 10 business days, with how the request is processed and when it is answered. */
export function acknowledgementMail(p: { requestId: string; type: RequestType; receivedAt: Date; dueAt: Date }) {
  return {
    subject: 'We received your privacy request',
    text: [
      `We received your request for ${TYPE_PHRASE[p.type]} on ${day(p.receivedAt)}.`,
      `Reference: ${p.requestId}`,
      '',
      'How we process it: we first confirm that the request comes from you (if we need to, you get a',
      'separate message asking you to confirm); then we act on it in every system that holds your',
      'personal information, and write to you with the outcome.',
      '',
      `You can expect our response by ${day(p.dueAt)}. If we need more time, we will tell you before`,
      'that date, and why.',
    ].join('\n'),
  };
}

/** Opt-out, limit, restriction or objection: what was changed and where (places, never values). */
export function processingDoneMail(p: {
  requestId: string;
  type: RequestType;
  places: string[];
  processorsTold: string[];
  purpose?: string;
}) {
  const done: Partial<Record<RequestType, string>> = {
    opt_out: 'We no longer sell or share your personal information.',
    limit: 'We now use your sensitive personal information only as the law permits without your consent.',
    restriction: 'We have restricted the processing of your personal data: we keep it, but no longer use it except as the law allows.',
    objection: `We have stopped processing your personal data for the purpose you objected to (${(p.purpose ?? '').replace(/_/g, ' ')}).`,
  };
  return {
    subject: 'Your privacy request is done',
    text: [
      `Reference: ${p.requestId}`,
      done[p.type] ?? `Your request for ${TYPE_PHRASE[p.type]} is done.`,
      ...(p.places.length ? ['', 'Applied in:', ...p.places.map((x) => `  - ${x}`)] : []),
      ...(p.processorsTold.length ? ['', `Service providers told: ${p.processorsTold.join(', ')}.`] : []),
      ...(p.type === 'restriction' ? ['', 'We will tell you before the restriction is lifted.'] : []),
    ].join('\n'),
  };
}

/** GDPR Art. 18(3): the subject is told before a restriction is lifted. */
export function restrictionLiftMail(p: { requestId: string; reason: string }) {
  return {
    subject: 'The restriction of your data is being lifted',
    text: [
      `Reference: ${p.requestId}`,
      'The restriction of the processing of your personal data that you asked for is being lifted.',
      `Why: ${p.reason}`,
      'From now on we may process your data again as before. If you disagree, reply to this message.',
    ].join('\n'),
  };
}
