/**
 * Child process of test/17: saves two networks to `argv[2]` in turn, forever, and prints "ready"
 * once the first save is on disk. The test kills it with SIGKILL at random moments.
 */
import { saveNetwork } from '../../lib/model-file';
import { Network } from '../../lib/network';
import { SAVE_LOOP_SIZES } from './save-loop-nets';

const file = process.argv[2];
const nets = [1, 2].map((seed) => new Network({ sizes: SAVE_LOOP_SIZES, seed, backend: 'js' }));
saveNetwork(nets[0], file, { seed: 1 });
process.stdout.write('ready\n');
for (let i = 1; ; i++) saveNetwork(nets[i % 2], file, { seed: (i % 2) + 1 });
