/**
 * A save killed at any moment (SIGKILL, so no cleanup code runs) leaves the destination either
 * the old or the new complete file, never a mix; the next save removes the temp files the killed
 * ones left. A child process saves two networks in turn; it is killed at seeded random moments.
 *
 * The child is bundled with esbuild into one CommonJS file first (inside the package, where
 * blasnet finds its package.json): under tsx each start costs seconds on a busy machine, plain
 * node a fraction of one.
 */
import { expect } from 'chai';
import { buildSync } from 'esbuild';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetwork, saveNetwork, serializeNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { SAVE_LOOP_SIZES } from './helpers/save-loop-nets';
import { mulberry32 } from './helpers/random';

const KILLS = 24;

const ROOT = join(__dirname, '..');
const BUNDLE = join(ROOT, 'node_modules', '.cache', 'blasnet-test', `save-loop-${process.pid}.cjs`);

function startSaver(file: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BUNDLE, file], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code, signal) => reject(new Error(`saver exited early: ${code ?? signal}`)));
  });
}

describe('a save killed at random moments', () => {
  before(() => {
    buildSync({
      entryPoints: [join(__dirname, 'helpers', 'save-loop.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: BUNDLE,
      logLevel: 'warning',
    });
  });
  after(() => fs.rmSync(BUNDLE, { force: true }));
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'blasnet-kill-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`leaves the old or the new file whole, ${KILLS} times, and the next save cleans up`, async () => {
    const file = join(dir, 'model.blasnet');
    const nets = [1, 2].map((seed) => new Network({ sizes: SAVE_LOOP_SIZES, seed, backend: 'js' }));
    const versions = nets.map((net, i) => serializeNetwork(net, { seed: i + 1 }));
    const rng = mulberry32(17);
    let leftTemps = 0;
    for (let k = 0; k < KILLS; k++) {
      const child = await startSaver(file);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, Math.floor(rng() * 40)));
      child.kill('SIGKILL');
      await exited;
      const bytes = fs.readFileSync(file);
      const which = versions.findIndex((v) => v.equals(bytes));
      expect(
        which,
        `kill ${k + 1}: the file is neither version (${bytes.length} bytes)`,
      ).to.be.at.least(0);
      expect(loadNetwork(file, { backend: 'js' }).params).to.deep.equal(nets[which].params);
      leftTemps += fs.readdirSync(dir).filter((f) => f !== 'model.blasnet').length;
    }
    console.log(`      ${KILLS} kills; temp files seen right after a kill: ${leftTemps} in all`);
    // One more from a process known to be dead, so that the clean-up below is always exercised.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
      .stdout.toString()
      .trim();
    fs.writeFileSync(join(dir, `.model.blasnet.blasnet-tmp-${dead}-0-0badcafe`), 'partial');
    saveNetwork(nets[0], file, { seed: 1 });
    expect(fs.readdirSync(dir)).to.deep.equal(['model.blasnet']);
  });
});
