// The words the subject reads. Plain text first: it survives every mail client.
import type { RequestType } from '../schemas/request';

const TYPE_PHRASE: Record<RequestType, string> = {
  access: 'a copy of the personal data we hold about you (right of access)',
  export: 'an export of your personal data in a portable format (data portability)',
  correction: 'a correction of your personal data',
  deletion: 'the deletion of your personal data',
};

const day = (d: Date) => d.toISOString().slice(0, 10);

export function verificationMail(p: { requestId: string; type: RequestType; dueAt: Date; link: string; token: string; expiresAt: Date }) {
  return {
    subject: 'Confirm your privacy request',
    text: [
      `We received your request for ${TYPE_PHRASE[p.type]}.`,
      `Reference: ${p.requestId}`,
      `We will respond by ${day(p.dueAt)}.`,
      '',
      'To protect your data we first need to confirm that this request comes from you.',
      `Open this link to confirm (valid until ${p.expiresAt.toISOString()}):`,
      p.link,
      '',
      `Or confirm with the code: ${p.token}`,
      '',
      'If you did not make this request, ignore this message: nothing will be disclosed.',
    ].join('\n'),
  };
}

export function exportReadyMail(p: { requestId: string; type: RequestType; link: string; expiresAt: Date; rows: number; collections: number }) {
  return {
    subject: p.type === 'access' ? 'Your personal data report is ready' : 'Your data export is ready',
    text: [
      `Your request ${p.requestId} is complete.`,
      '',
      `Download your data (a ZIP file, ${p.rows} records from ${p.collections} places we keep data) here:`,
      p.link,
      '',
      `The link works until ${p.expiresAt.toISOString()}. It is personal: do not forward it.`,
      'The archive holds one JSON and one CSV file per place, and manifest.json describing each:',
      'what categories of data it holds, why we process it, who receives it, and how long we keep it.',
    ].join('\n'),
  };
}

export function unverifiedClosedMail(p: { requestId: string }) {
  return {
    subject: 'Your privacy request was closed',
    text: [
      `We could not confirm that request ${p.requestId} came from you within the time allowed,`,
      'so we have closed it without disclosing or changing any data.',
      'You are welcome to make a new request at any time.',
    ].join('\n'),
  };
}
