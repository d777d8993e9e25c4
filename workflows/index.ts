export { dsarRequest } from './dsar-request';
export { deletionPlan } from './deletion-plan';
export { retentionSweep } from './retention-sweep';
export { legalHoldIdentities } from './legal-hold';
export { liftRestriction } from './processing';
