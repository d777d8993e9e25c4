// What every command group is registered with: where output goes and the environment.

export type Env = Record<string, string | undefined>;

export interface CommandContext {
  /** Normal output, one line or block per call. */
  out: (text: string) => void;
  /** Errors and hints. */
  err: (text: string) => void;
  env: Env;
}
