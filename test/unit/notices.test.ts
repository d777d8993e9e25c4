// Every notice rendered for each jurisdiction and outcome: the sentences about recourse and
// service providers must follow from the inputs, never be boilerplate.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ActivityDeps } from '../../activities/deps';
import { processorsToldOfCorrection, processorsToldOfErasure } from '../../activities/notice-facts';
import { accessRightsSentence, noticeSettings, type NoticeSettings } from '../../activities/notice-sentences';
import { accessReportHtml } from '../../activities/report';
import type { Manifest } from '../../activities/manifest';
import {
  correctionDoneMail,
  deletionDoneMail,
  deletionHeldMail,
  denialMail,
  extensionMail,
  unverifiedClosedMail,
  type NoticeLaw,
} from '../../activities/templates';
import { Config } from '../../schemas/config';
import { parseDataMap } from '../../schemas/datamap';
import { compileDataMap } from '../../schemas/datamap-graph';
import { JURISDICTIONS, type Jurisdiction } from '../../schemas/deadline';
import type { CorrectionOutcome, ErasureOutcome } from '../../schemas/workflow';

const defaults = noticeSettings(Config.parse({ DATABASE_URL: 'x', TEMPORAL_ADDRESS: 'x', SMTP_URL: 'x', SIGNING_SECRET: 'x'.repeat(32) }));
const law = (jurisdiction: Jurisdiction, settings: NoticeSettings = defaults): NoticeLaw => ({ jurisdiction, settings });
const requestId = '00000000-0000-4000-8000-000000000001';

const SUPERVISORY = /supervisory authority/i;
const JUDICIAL = /judicial remedy/;
const CPPA = /California Privacy Protection Agency/;
const PROCESSORS = /service providers/;

/** The recourse a notice carries, by jurisdiction: GDPR Art. 12(4), CCPA (Agency / Attorney General), policy (neutral). */
function assertRecourse(text: string, jurisdiction: Jurisdiction, what: string) {
  if (jurisdiction === 'gdpr') {
    assert.match(text, SUPERVISORY, `${what}: GDPR names the supervisory authority`);
    assert.match(text, JUDICIAL, `${what}: GDPR names a judicial remedy`);
    assert.doesNotMatch(text, CPPA, what);
  } else if (jurisdiction === 'ccpa') {
    assert.doesNotMatch(text, SUPERVISORY, `${what}: CCPA has no supervisory authority`);
    assert.match(text, CPPA, `${what}: CCPA names the Agency`);
    assert.match(text, /Attorney General/, what);
    assert.match(text, /review our decision/, what);
  } else {
    assert.doesNotMatch(text, SUPERVISORY, `${what}: policy is neutral`);
    assert.doesNotMatch(text, CPPA, `${what}: policy is neutral`);
    assert.doesNotMatch(text, JUDICIAL, `${what}: policy is neutral`);
    assert.match(text, /reply to this email and we will look into it/, what);
  }
}

for (const jurisdiction of JURISDICTIONS) {
  test(`GDPR Art. 12(4): an unverified request's closure says where to complain (${jurisdiction})`, () => {
    const { text } = unverifiedClosedMail({ requestId, ...law(jurisdiction) });
    assert.match(text, /without disclosing or changing any data/);
    assertRecourse(text, jurisdiction, 'unverified closure');
  });

  for (const reason of ['manifestly_unfounded', 'excessive', 'identity_not_verified', 'legal_exemption'])
    test(`GDPR Art. 12(4) / CCPA §7024: a denial (${reason}) names the recourse of its own law only (${jurisdiction})`, () => {
      const { text } = denialMail({ requestId, reason, details: 'Fourth identical request this month.', ...law(jurisdiction) });
      assert.match(text, /Fourth identical request/);
      assertRecourse(text, jurisdiction, `denial ${reason}`);
    });

  test(`GDPR Art. 12(3) / CCPA §7021(b): an extension notice gives the new date, the reason and the recourse of its law (${jurisdiction})`, () => {
    const { text } = extensionMail({
      requestId,
      newDueAt: new Date('2026-04-30T00:00:00Z'),
      reason: 'complex: 9 stores',
      ...law(jurisdiction),
    });
    assert.match(text, /2026-04-30/);
    assert.match(text, /complex: 9 stores/);
    assertRecourse(text, jurisdiction, 'extension');
  });

  for (const processorsTold of [[], ['Payment processor'], ['Payment processor', 'Call centre (by hand)']])
    test(`GDPR Art. 19: a deletion notice names service providers only when told (${processorsTold.length} told, ${jurisdiction})`, () => {
      const { text } = deletionDoneMail({
        requestId,
        deleted: [{ place: 'app db usage logs', rows: 12 }],
        retained: [],
        processorsTold,
        notIncluded: [],
      });
      if (processorsTold.length)
        assert.match(
          text,
          new RegExp(
            `service providers, who process your data for us, to delete it: ${processorsTold.join(', ').replace(/[()]/g, '\\$&')}\\.`,
          ),
        );
      else assert.doesNotMatch(text, PROCESSORS);
      // a deletion carried out is not a refusal: no recourse sentence
      for (const r of [SUPERVISORY, CPPA, JUDICIAL]) assert.doesNotMatch(text, r);
    });

  test(`GDPR Art. 12(4): a deletion postponed by a legal hold says where to turn (${jurisdiction})`, () => {
    const { text } = deletionHeldMail({
      requestId,
      why: 'it may be needed for legal claims',
      basis: ['GDPR Art. 17(3)(e)'],
      ...law(jurisdiction),
    });
    assertRecourse(text, jurisdiction, 'held deletion');
    assert.doesNotMatch(text, PROCESSORS);
  });

  for (const processorsTold of [[], ['Payment processor']])
    test(`GDPR Art. 19: a correction notice names service providers only when told (${processorsTold.length} told, ${jurisdiction})`, () => {
      const { text } = correctionDoneMail({
        requestId,
        changes: [{ place: 'app db accounts', fields: ['name'], rows: 1 }],
        processorsTold,
        notIncluded: [],
      });
      if (processorsTold.length) assert.match(text, /told these service providers, who process your data for us: Payment processor\./);
      else assert.doesNotMatch(text, PROCESSORS);
    });
}

for (const jurisdiction of JURISDICTIONS)
  test(`GDPR Art. 15(1)(e)-(f) / CCPA: the access report reminds of the rights of the request's law only (${jurisdiction})`, () => {
    const manifest: Manifest = {
      format: 'dsar-engine/export@2',
      requestId,
      requestType: 'access',
      generatedAt: '2026-03-01T00:00:00.000Z',
      totals: { collections: 0, rows: 0, notIncluded: 0, withheld: 0 },
      collections: [],
      notIncluded: [],
      withheld: [],
      automatedDecisions: [],
      transfers: [],
      documents: [],
    };
    const html = accessReportHtml(manifest, new Map(), undefined, accessRightsSentence(jurisdiction, defaults));
    assert.equal(SUPERVISORY.test(html), jurisdiction === 'gdpr');
    assert.equal(CPPA.test(html), jurisdiction === 'ccpa');
    assert.match(html, /correct or delete this data/);
  });

test('the recourse wording is configured per deployment: contact, supervisory authority and CCPA complaint body', () => {
  const settings = noticeSettings({
    SUPERVISORY_AUTHORITY: 'the Irish Data Protection Commission',
    CCPA_COMPLAINT_TO: 'the California Privacy Protection Agency at cppa.ca.gov/webapplications/complaint',
    PRIVACY_CONTACT: 'privacy@acme.example',
  });
  const gdpr = denialMail({ requestId, reason: 'excessive', details: 'x', ...law('gdpr', settings) }).text;
  assert.match(gdpr, /lodge a complaint with the Irish Data Protection Commission and to seek a judicial remedy/);
  assert.match(gdpr, /write to us at privacy@acme\.example/);
  const ccpa = denialMail({ requestId, reason: 'excessive', details: 'x', ...law('ccpa', settings) }).text;
  assert.match(ccpa, /write to us at privacy@acme\.example and we will review our decision/);
  assert.match(ccpa, /cppa\.ca\.gov\/webapplications\/complaint/);
  assert.doesNotMatch(ccpa, /Irish|supervisory/);
});

// Which processors a notice names comes from the outcomes, never from the map alone.
const env = { APP_DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x', BILLING_PROVIDER_URL: 'http://x', BILLING_PROVIDER_TOKEN: 't' };
const root = path.join(__dirname, '..', '..');
const mapText = `${readFileSync(path.join(root, 'demo', 'datamap.yml'), 'utf8')}\n${readFileSync(path.join(root, 'test', 'fixtures', 'extra-stores.yml'), 'utf8')}
  call_centre:
    kind: manual
    processor: true
    description: Call centre contractor
    instructions: Ask the contractor to delete or correct the subject's records.
    for: [deletion, correction]
`;
const deps = { dataMap: compileDataMap(parseDataMap(mapText, env)) } as ActivityDeps;
const outcome = (store: string, kind: ErasureOutcome['kind'], action: ErasureOutcome['action'], deleted = 0): ErasureOutcome => ({
  store,
  collection: store,
  kind,
  action,
  deleted,
  masked: 0,
  retained: 0,
  softDeleted: 0,
  remainingDue: 0,
  longestStatementMs: 0,
});

test('GDPR Art. 19: the processors named are those called for this request: an HTTP erase that acted, a manual processor whose task was done; never a held one', () => {
  const db = outcome('app_db', 'postgres', 'delete', 12);
  assert.deepEqual(processorsToldOfErasure(deps, [db]), [], 'no processor outcome: no processor named');
  assert.deepEqual(processorsToldOfErasure(deps, [db, outcome('billing_provider', 'http', 'notify', 1)]), ['Payment processor']);
  assert.deepEqual(processorsToldOfErasure(deps, [outcome('billing_provider', 'http', 'notify', 0)]), [], 'no call made (no identity)');
  assert.deepEqual(
    processorsToldOfErasure(deps, [outcome('billing_provider', 'http', 'held'), outcome('call_centre', 'manual', 'held')]),
    [],
    'under a hold no one is told',
  );
  assert.deepEqual(
    processorsToldOfErasure(deps, [outcome('helpdesk_archive', 'manual', 'manual')]),
    [],
    'a manual store of our own is no processor',
  );
  assert.deepEqual(processorsToldOfErasure(deps, [outcome('call_centre', 'manual', 'manual')]), ['Call centre contractor']);
});

test('GDPR Art. 19: a correction names the processors whose call changed something, and manual processors', () => {
  const corr = (store: string, rows: number): CorrectionOutcome =>
    ({
      store,
      collection: deps.dataMap.nodes.find((n) => n.store === store)!.collection,
      changes: rows ? [{ field: 'name', column: 'name', rows, oldHash: [], newHash: 'h' }] : [],
    }) as CorrectionOutcome;
  assert.deepEqual(processorsToldOfCorrection(deps, [corr('billing_provider', 0)]), []);
  assert.deepEqual(processorsToldOfCorrection(deps, [corr('billing_provider', 1), corr('call_centre', 0)]), [
    'Payment processor',
    'Call centre contractor',
  ]);
});
