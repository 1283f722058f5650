/**
 * Checked arithmetic in the native addon: sizes near 2^31 and 2^63 with buffers of a few floats,
 * given to the raw addon (no TypeScript checks in front), are refused with a coded RangeError,
 * never a crash. The calls run in a child process, so a crash fails this test with its signal
 * and the case that was running, instead of ending mocha. (Before the checks, update() with a
 * spec of 3 · (2^31 − 1)^2 weights died with SIGSEGV: the parameter count wrapped negative and
 * passed every length check.)
 */
import { expect } from 'chai';
import { loadAddon } from '../lib/backend/native/addon';
import { crashReport, ROOT, runChild } from './helpers/child';
import { OVERFLOW_CASES } from './helpers/overflow-cases';

interface CaseLine {
  name: string;
  started?: boolean;
  thrown?: { name: string; code?: string; message: string } | null;
}

describe('native addon: checked size arithmetic (raw addon, in a child process)', () => {
  let lines: CaseLine[] = [];

  before(function () {
    try {
      loadAddon();
    } catch (error) {
      console.log(`      native addon skipped: ${(error as Error).message.split('\n')[0]}`);
      this.skip();
    }
    const result = runChild(
      `import { loadAddon } from ${JSON.stringify(`${ROOT}/lib/backend/native/addon`)};\n` +
        `import { runOverflowCases } from ${JSON.stringify(`${ROOT}/test/helpers/overflow-cases`)};\n` +
        'const { addon } = loadAddon();\n' +
        'runOverflowCases(addon);\n' +
        // The process survived all of them: a valid call still computes.
        'const c = new Float32Array(1);\n' +
        'addon.sgemm(false, false, 1, 1, 1, 1, new Float32Array([6]), new Float32Array([7]), 0, c);\n' +
        'console.log(JSON.stringify({ name: "after", product: c[0] }));\n',
    );
    expect(result.status, crashReport(result)).to.equal(0);
    lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as CaseLine);
  });

  for (const c of OVERFLOW_CASES) {
    it(`refuses ${c.name} with a coded RangeError`, () => {
      const result = lines.find((line) => line.name === c.name && line.started !== true);
      expect(result, 'the case ran').to.not.equal(undefined);
      const thrown = result!.thrown;
      expect(thrown, 'the call threw').to.not.equal(null);
      expect(thrown!.name, thrown!.message).to.equal('RangeError');
      expect(thrown!.code, thrown!.message).to.be.oneOf(['ERR_BLASNET_SHAPE', 'ERR_BLASNET_RANGE']);
      expect(thrown!.message).to.match(/^Expected .+ for .+ but received .+$/s);
    });
  }

  it('names the overflow itself where the sizes cannot fit 64 bits', () => {
    const message = (name: string) =>
      lines.find((l) => l.name === name && !l.started)?.thrown?.message;
    expect(message('update with a parameter count past 2^63')).to.equal(
      'Expected layer sizes whose parameter count fits in 64 bits for spec but received sizes ' +
        '[2147483647, 2147483647, 2147483647, 2147483647], overflowing at n3',
    );
    expect(message('forward with batch · units past 2^63')).to.match(
      /^Expected sizes whose product fits in 64 bits for batch \* \(n1 \+ \.\.\. \+ nL\)/,
    );
  });

  it('leaves the process working after all of them', () => {
    expect(lines[lines.length - 1]).to.deep.equal({ name: 'after', product: 42 });
  });
});
