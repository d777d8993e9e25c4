// What a processing request writes into a SQL collection: the map's scalar values, and `NOW` for
// a restriction's timestamp (kept at its first value when the write is repeated).
export const NOW = Object.freeze({ now: true as const });
export type FlagValue = string | number | boolean | null | typeof NOW;
export type FlagValues = Record<string, FlagValue>;
export const isNow = (v: FlagValue): v is typeof NOW => typeof v === 'object' && v !== null;
