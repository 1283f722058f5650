/**
 * Runs a suite once per backend. Native is skipped visibly, with the loader's reason, where it
 * cannot load; `BLASNET_BACKEND=js` runs the JS backend only (and native only with `=native`).
 */
import { getBackend, nativeAvailability } from '../../lib/backend/select';
import type { Backend } from '../../lib/backend/types';

export type BackendKind = 'native' | 'js';

function wanted(): BackendKind[] {
  const env = process.env.BLASNET_BACKEND;
  if (env === 'js') return ['js'];
  if (env === 'native') return ['native'];
  return ['native', 'js'];
}

/**
 * `forEachBackend('sgemm', (be, kind) => { it(...) })` declares `describe('sgemm [native]')` and
 * `describe('sgemm [js]')`; `be()` returns the backend inside hooks and tests.
 */
export function forEachBackend(
  title: string,
  body: (be: () => Backend, kind: BackendKind) => void,
): void {
  for (const kind of wanted()) {
    describe(`${title} [${kind}]`, () => {
      let instance: Backend | undefined;
      before(function () {
        if (kind === 'native') {
          const { available, reason } = nativeAvailability();
          if (!available) {
            console.log(`      native backend skipped: ${reason?.split('\n')[0]}`);
            this.skip();
          }
        }
        instance = getBackend(kind);
      });
      body(() => instance!, kind);
    });
  }
}
