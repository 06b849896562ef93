// Values test/e2e/global-setup.ts provides to the e2e tests (`inject('e2eSkipReason')`).
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why the kind e2e cannot run here (no Docker engine, MIO_E2E=0), or "" when it can. */
    e2eSkipReason: string;
  }
}
