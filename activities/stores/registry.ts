import type { Store } from '../../schemas/datamap';
import type { Connector } from './connector';
import { httpConnector } from './http-connector';
import { manualConnector } from './manual-connector';
import { postgresConnector } from './postgres-connector';
import { redisConnector } from './redis-connector';

const CONNECTORS: Record<Store['kind'], Connector> = {
  postgres: postgresConnector,
  redis: redisConnector,
  http: httpConnector,
  manual: manualConnector,
};

export const connectorFor = (kind: Store['kind']): Connector => CONNECTORS[kind];
