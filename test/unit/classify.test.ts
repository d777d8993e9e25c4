import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, type InboxRequestType } from '../../lib/classify';

type Case = [subject: string, body: string, expected: InboxRequestType | null];

const CASES: Case[] = [
  // English
  ['Data subject access request', 'Under Article 15 GDPR please send me a copy of my personal data.', 'access'],
  ['Question', 'What personal data do you hold about me and who do you share it with?', 'access'],
  ['CCPA', 'I am exercising my right to know under the CCPA.', 'access'],
  ['SAR', 'This is a subject access request for my account.', 'access'],
  ['Please delete my account', 'Hi, please delete my account and all data. Thanks', 'deletion'],
  ['Right to be forgotten', 'I want to exercise my right to be forgotten.', 'deletion'],
  ['Erasure request', 'Kindly erase my personal information from your systems.', 'deletion'],
  ['', 'Remove my data from your service, I no longer use it.', 'deletion'],
  ['Export', 'Can you export my data in a machine-readable format? I am moving to another provider.', 'export'],
  ['Data portability (Art. 20)', 'Please provide my data in a portable format.', 'export'],
  ['Name wrong', 'My name is wrong in your records, it should be Jane Doe. Please correct my details.', 'correction'],
  ['Rectification', 'I request rectification of my address.', 'correction'],
  ['Do Not Sell My Personal Information', 'Please do not sell my information.', 'opt_out'],
  ['Opt out', 'I want to opt out of the sale or sharing of my personal information.', 'opt_out'],
  ['Re: your invoice', 'Delete my account now.\n\n> On Monday you wrote:\n> Please pay invoice 123', 'deletion'],
  ['Fwd: privacy', '---------- Forwarded message ---------\nFrom: me\nI would like a copy of my data please.', 'access'],
  ['Request', 'Please delete my data.\n-- \nJohn Smith\nHead of Access Request Handling, ACME', 'deletion'],
  ['DSAR', 'Dear team, DSAR for the account linked to this address.', 'access'],
  ['Close account', 'Please close my account and delete everything.', 'deletion'],
  ['Copy of my data', '<html>only html converted: send me a copy of my data</html>', 'access'],
  // German
  ['Auskunftsersuchen nach Art. 15 DSGVO', 'Bitte teilen Sie mir mit, welche Daten Sie über mich speichern.', 'access'],
  ['Löschung meiner Daten', 'Hiermit fordere ich die Löschung meines Kontos.', 'deletion'],
  ['Datenübertragbarkeit', 'Bitte senden Sie mir meine Daten maschinenlesbar.', 'export'],
  ['Berichtigung', 'Mein Name ist falsch gespeichert, bitte berichtigen.', 'correction'],
  ['Widerspruch', 'Bitte meine Daten nicht verkaufen.', 'opt_out'],
  // French
  ["Demande d'accès", "Je souhaite exercer mon droit d'accès à mes données.", 'access'],
  ['Suppression', 'Merci de supprimer mes données personnelles.', 'deletion'],
  ['Droit à l’oubli', "J'invoque mon droit à l'oubli.", 'deletion'],
  ['Portabilité', 'Je demande la portabilité de mes données dans un format structuré.', 'export'],
  ['Rectification', 'Pouvez-vous rectifier mon adresse, elle est inexacte.', 'correction'],
  ['Vente', 'Ne vendez pas mes informations personnelles.', 'opt_out'],
  // Spanish
  ['Solicitud de acceso', 'Ejerzo mi derecho de acceso: envíenme una copia de mis datos.', 'access'],
  ['Borrar cuenta', 'Quiero borrar mis datos y mi cuenta.', 'deletion'],
  ['Portabilidad', 'Solicito la portabilidad de mis datos.', 'export'],
  ['Rectificación', 'Mis datos son inexactos, por favor corrijan mi nombre.', 'correction'],
  ['No vender', 'Por favor no vendan mi información.', 'opt_out'],
  // triage: not a privacy request, or unclear
  ['Invoice question', 'Hi, why was I charged twice this month?', null],
  ['Rückruf', 'Bitte rufen Sie mich an.', null],
  ['', '', null],
  ['Newsletter', 'Check out our new features!', null],
  ['Pricing', 'What does the team plan cost?', null],
  ['Re: ticket 4411', '> please delete my data\n\nThanks, but that was not me, I only asked about pricing.', null],
];

test(`classifies ${CASES.length} real-world-style messages, sending unclear ones to triage`, () => {
  assert.ok(CASES.length >= 40);
  const wrong = CASES.map(([subject, body, expected]) => ({ subject, expected, got: classify(subject, body).type })).filter(
    (c) => c.got !== c.expected,
  );
  assert.deepEqual(wrong, []);
});

test('the phrases that decided are reported', () => {
  assert.deepEqual(classify('Löschung', 'Bitte löschen.').matched.sort(), ['löschen', 'löschung']);
});

test('one mail, two intents: a deletion and an opt-out are both found; request types stay one per mail', () => {
  const both = classify('My account', 'Please delete my account and do not sell my data.');
  assert.deepEqual(
    both.intents.map((i) => i.type),
    ['opt_out', 'deletion'],
  );
  assert.deepEqual(both.intents[1].matched, ['delete my']);
  assert.deepEqual(
    classify('Export', 'Please export my data and send a copy of my data.').intents.map((i) => i.type),
    ['export'],
    'export over access: one request',
  );
  assert.deepEqual(classify('Hello', 'Why was I charged twice?').intents, []);
});
