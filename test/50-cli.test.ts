/**
 * The `blasnet` CLI end to end. `cli(...)` spawns `node --import tsx lib/cli/main.ts ...` (a real
 * process: exit code, stdout, stderr); `run(...)` calls the same `main()` in this process with
 * captured streams, for the many small usage checks (a spawn costs about a second here). One
 * short training run (2 epochs of [784, 30, 10] on the bundled digits) feeds evaluate, predict
 * and the report checks.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { main } from '../lib/cli/main';
import { getEncoding, loadMnist } from '../lib/data';
import { writeIdx } from '../lib/data/idx';
import { loadNetwork, readModelMetadata, saveNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { fit } from '../lib/train';
import { renderTerminal } from './helpers/terminal';

const ROOT = path.resolve(__dirname, '..');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI from the repository root, without a TTY. */
function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 110_000,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run the CLI's main() in this process with captured, non-TTY streams. */
async function run(...args: string[]): Promise<Run> {
  const chunks = { stdout: [] as string[], stderr: [] as string[] };
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        into.push(chunk.toString());
        done();
      },
    });
  const status = await main(args, { stdout: sink(chunks.stdout), stderr: sink(chunks.stderr) });
  return { status, stdout: chunks.stdout.join(''), stderr: chunks.stderr.join('') };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('50 CLI (blasnet)', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-cli-'));
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('help, version, info', () => {
    it('--help lists the commands and the exit codes, and exits 0', () => {
      const r = cli('--help');
      expect(r.status).to.equal(0);
      for (const word of [
        'train',
        'evaluate',
        'predict',
        'download',
        'info',
        'Exit codes',
        '0    success',
        '2    usage error',
      ])
        expect(r.stdout).to.include(word);
    });

    it('every command has --help (and blasnet help <command> says the same)', async () => {
      const train = await run('train', '--help');
      expect(train.status).to.equal(0);
      for (const option of [
        '--layers',
        '--activation',
        '--output',
        '--encoding',
        '--loss',
        '--epochs',
        '--batch-size',
        '--learning-rate',
        '--momentum',
        '--weight-decay',
        '--seed',
        '--backend',
        '--threads',
        '--validation',
        '--out',
        '--report',
        '--json',
      ]) {
        expect(train.stdout).to.include(option);
      }
      const predict = await run('help', 'predict');
      expect(predict.status).to.equal(0);
      expect(predict.stdout).to.include('Usage: blasnet predict <model> <input>...');
      for (const command of ['evaluate', 'download', 'info']) {
        const r = await run(command, '--help');
        expect(r.status, command).to.equal(0);
        expect(r.stdout).to.include(`Usage: blasnet ${command}`);
      }
    });

    it('--version prints the package version', async () => {
      const r = await run('--version');
      expect(r.status).to.equal(0);
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        version: string;
      };
      expect(r.stdout.trim()).to.equal(pkg.version);
    });

    it('info --json reports the backend, BLAS, threads, binary and version', async () => {
      const r = cli('info', '--json');
      expect(r.status, r.stderr).to.equal(0);
      const info = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(info.backend).to.be.oneOf(['native', 'js']);
      expect(info.version).to.be.a('string');
      expect(info.threads).to.be.a('number');
      expect(info).to.have.property('blas');
      expect(info).to.have.property('binary');
      expect(info).to.have.property('fallbackReason');
      if (info.backend === 'js') expect(info.fallbackReason).to.be.a('string');
      const js = JSON.parse((await run('info', '--json', '--backend', 'js')).stdout) as Record<
        string,
        unknown
      >;
      expect(js.backend).to.equal('js');
      expect(js.fallbackReason).to.equal('the js backend was requested');
    });
  });

  describe('a closed pipe (blasnet info | head -1) is a quiet exit with status 0', () => {
    /**
     * Runs `blasnet ARGS | true` in bash: `true` exits (closing the pipe's read end) long before
     * node has started, so the CLI's first write meets a closed pipe (EPIPE). Returns the CLI's
     * own status and its stderr.
     */
    function intoClosedPipe(...args: string[]): { status: number; stderr: string } {
      const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
      const r = spawnSync(
        'bash',
        [
          '-c',
          `"$NODE" --import tsx lib/cli/main.ts ${quoted} 2>"$ERR" | true; echo "\${PIPESTATUS[0]}"`,
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 110_000,
          env: {
            ...process.env,
            NODE: process.execPath,
            ERR: path.join(tmp, 'pipe-stderr.txt'),
            NODE_NO_WARNINGS: '1',
          },
        },
      );
      if (r.error) throw r.error;
      return {
        status: Number(r.stdout.trim()),
        stderr: fs.readFileSync(path.join(tmp, 'pipe-stderr.txt'), 'utf8'),
      };
    }

    it('info, train, train --json, evaluate, predict and --help', () => {
      const model = path.join(tmp, 'pipe.blasnet');
      saveNetwork(
        new Network({ sizes: [784, 5, 10], activations: ['sigmoid', 'softmax'], backend: 'js' }),
        model,
      );
      const digits = path.join(tmp, 'pipe-idx3-ubyte');
      writeIdx(digits, { data: new Uint8Array(3 * 784), dims: [3, 28, 28] });
      for (const args of [
        ['info'],
        ['info', '--json'],
        ['train', '--layers', '784,5,10', '--epochs', '1'],
        ['train', '--layers', '784,5,10', '--epochs', '1', '--json'],
        ['evaluate', model],
        ['predict', model, digits],
        ['--help'],
      ]) {
        const r = intoClosedPipe(...args);
        expect(r.stderr, args.join(' ')).to.not.match(/EPIPE|Error|\n\s+at /);
        expect(r.status, args.join(' ')).to.equal(0);
      }
    });
  });

  describe('Ctrl-C during train in a terminal', () => {
    it('stops the bar first, prints the notice on its own line, and says exactly which weights were saved', async function () {
      // A real pseudo-terminal: script(1) from util-linux runs the CLI on one, and a ^C written
      // to it reaches the CLI as SIGINT through the terminal's line discipline.
      if (spawnSync('script', ['--version'], { encoding: 'utf8' }).status !== 0) {
        console.log('      skipped: script(1) from util-linux is not installed');
        this.skip();
      }
      const model = path.join(tmp, 'interrupted.blasnet');
      const command = [
        process.execPath,
        '--import',
        'tsx',
        'lib/cli/main.ts',
        'train',
        '--backend',
        'js',
        '--layers',
        '784,100,10',
        '--epochs',
        '50',
        '--out',
        model,
      ].join(' ');
      // A terminal as a user has one: CI unset (a CI run would turn the bar off).
      const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1', TERM: 'xterm' };
      delete env.CI;
      const child = spawn('script', ['-qfec', command, '/dev/null'], {
        cwd: ROOT,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let raw = '';
      let sent = false;
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text: string) => {
        raw += text;
        // Once the bar has drawn a few percent of epoch 1 (many batches in), press Ctrl-C.
        if (!sent && /epoch +1\/50 [^|]* ([2-9]|[1-9]\d)% \|/.test(raw.slice(-400))) {
          sent = true;
          child.stdin.write('\u0003');
        }
      });
      const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.stdin.destroy();
      expect(sent, `the bar never showed progress:\n${raw}`).to.equal(true);
      expect(status, raw).to.equal(130);
      const screen = renderTerminal(raw);
      const shown = screen.join('\n');
      // The notice has a line of its own, and no bar is left on the screen.
      const notice =
        'blasnet: interrupted; stopping after this batch (Ctrl-C again to quit at once)';
      expect(screen, shown).to.include(notice);
      expect(shown).to.not.match(/[\u2588\u2591]|ETA/);
      const at = screen.indexOf(notice);
      expect(screen[at + 1], shown).to.match(/^test accuracy \d+\.\d\d% /);
      const m =
        /\(interrupted in epoch (\d+) after batch (\d+) of (\d+)\)$/.exec(screen[at + 1]!) ??
        /\(interrupted after epoch (\d+) of 50, at the end of the epoch\)$/.exec(screen[at + 1]!);
      expect(m, shown).to.not.equal(null);
      const epoch = Number(m![1]);
      const batch = m![2] === undefined ? 800 : Number(m![2]);
      expect(screen[at + 2], shown).to.match(/^model saved to .*: the weights as of /);
      // The file says the same, and holds exactly those weights: a library run of the same
      // settings, stopped after that batch, ends with identical parameters.
      const meta = readModelMetadata(fs.readFileSync(model)) as {
        result: { weightsAsOf: { epoch: number; batch: number; batches: number } };
      };
      expect(meta.result.weightsAsOf).to.deep.equal({ epoch, batch, batches: 800 });
      const saved = loadNetwork(model, { backend: 'js' });
      const mnist = loadMnist();
      const net = new Network({
        sizes: [784, 100, 10],
        activations: ['sigmoid', 'softmax'],
        init: 'xavier',
        seed: 1,
        backend: 'js',
      });
      const stop = new AbortController();
      await fit(
        net,
        {
          x: mnist.train.images,
          y: getEncoding('onehot').encode(mnist.train.labels, 10),
          labels: mnist.train.labels,
        },
        {
          epochs: 50,
          batchSize: 10,
          learningRate: 0.5,
          loss: 'crossEntropy',
          seed: 1,
          signal: stop.signal,
          onBatch: (r) => {
            if (r.epoch === epoch && r.batch === batch) stop.abort();
          },
        },
      );
      expect(Buffer.from(saved.params.buffer).equals(Buffer.from(net.params.buffer))).to.equal(
        true,
      );
    });
  });

  describe('usage errors exit 2 and name the problem', () => {
    it('an unknown option is named, with a suggestion', () => {
      const r = cli('train', '--epochz', '3');
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include('Unknown option --epochz');
      expect(r.stderr).to.include('did you mean --epochs?');
      expect(r.stderr).to.include("Run 'blasnet train --help'");
      expect(r.stdout).to.equal('');
    });

    it('a bad option value is named with what was expected', async () => {
      const r = await run('train', '--learning-rate', 'fast');
      expect(r.status).to.equal(2);
      expect(r.stderr).to.include('Expected a number >= 0 for --learning-rate but received "fast"');
      const act = await run('train', '--activation', 'softsign');
      expect(act.status).to.equal(2);
      expect(act.stderr).to.include(
        'Expected one of sigmoid, tanh, relu, leakyRelu, elu for --activation',
      );
    });

    it('an unknown command, a missing argument and incompatible options are usage errors', async () => {
      const typo = await run('trian');
      expect(typo.status).to.equal(2);
      expect(typo.stderr).to.include('did you mean train?');
      const missing = await run('evaluate');
      expect(missing.status).to.equal(2);
      expect(missing.stderr).to.include('Missing <model>');
      const combo = await run('train', '--encoding', 'binary', '--output', 'softmax');
      expect(combo.status).to.equal(2);
      expect(combo.stderr).to.include('--output sigmoid or identity for --encoding binary');
      const layers = await run('train', '--layers', '784,30,7');
      expect(layers.status).to.equal(2);
      expect(layers.stderr).to.include(
        'Expected 10 outputs as the last of --layers for --encoding onehot',
      );
    });

    it('with --json, errors are one JSON object on stderr and stdout stays empty', async () => {
      const r = await run('train', '--bogus', '--json');
      expect(r.status).to.equal(2);
      expect(r.stdout).to.equal('');
      const e = JSON.parse(r.stderr.trim()) as Record<string, unknown>;
      expect(e).to.include({ type: 'error', exitCode: 2, code: 'ERR_BLASNET_USAGE' });
      expect(e.message).to.include('--bogus');
    });
  });

  describe('runtime failures exit 1 and say what to do', () => {
    it('a missing data directory', () => {
      const dir = path.join(tmp, 'no-such-dir');
      const r = cli('train', '--data', dir, '--epochs', '1');
      expect(r.status).to.equal(1);
      expect(r.stderr).to.include(`Cannot read the data directory ${dir}: it does not exist`);
      expect(r.stderr).to.include(`blasnet download ${dir}`);
      expect(r.stderr).to.include('leave out --data to use the bundled digits');
    });

    it('a data directory without the IDX files', async () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'empty-'));
      const r = await run('evaluate', 'model.blasnet', '--data', dir);
      expect(r.status).to.equal(1); // the model is missing too; the first failure is reported
      const t = await run('train', '--data', dir);
      expect(t.status).to.equal(1);
      expect(t.stderr).to.include('no train-images-idx3-ubyte file');
      expect(t.stderr).to.include(`blasnet download ${dir}`);
    });

    it('a missing model file', async () => {
      const r = await run('evaluate', path.join(tmp, 'nothing.blasnet'));
      expect(r.status).to.equal(1);
      expect(r.stderr).to.include('no such file');
      expect(r.stderr).to.include('blasnet train --out');
    });

    it('a FIFO or a directory named as the model or the input is refused at once, not read', () => {
      const fifo = path.join(tmp, 'model.fifo');
      spawnSync('mkfifo', [fifo]);
      const png = path.join(tmp, 'any.png'); // never reached: the model is read first
      for (const args of [
        ['evaluate', fifo],
        ['predict', fifo, png],
        ['evaluate', tmp],
      ]) {
        // In a child with a deadline: reading a FIFO nobody writes would block forever.
        const r = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', ...args], {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, NODE_NO_WARNINGS: '1' },
        });
        expect(r.error, args.join(' ')).to.equal(undefined);
        expect(r.status, args.join(' ')).to.equal(1);
        expect(r.stderr).to.match(
          /Cannot read the model .*: it is a (FIFO \(named pipe\)|directory), not a regular file/,
        );
      }
    });

    it('a model whose input size does not match the data', () => {
      const file = path.join(tmp, 'small-input.blasnet');
      saveNetwork(
        new Network({ sizes: [100, 5, 10], activations: ['sigmoid', 'softmax'], backend: 'js' }),
        file,
      );
      const r = cli('evaluate', file);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.include(
        `The model ${file} expects 100 inputs (10x10 images) but bundled digits has 28x28 images (784 inputs)`,
      );
      expect(r.stderr).to.include('train a model on this data');
    });

    it('a download that cannot reach its mirror', async () => {
      const r = await run(
        'download',
        path.join(tmp, 'dl'),
        '--mirror',
        'http://127.0.0.1:9/',
        '--retries',
        '0',
      );
      expect(r.status).to.equal(1);
      expect(r.stderr).to.include('download failed');
      expect(r.stderr).to.include('Check the network connection');
      const bad = await run(
        'download',
        path.join(tmp, 'dl'),
        '--mirror',
        'ftp://example.org/mnist/',
      );
      expect(bad.status).to.equal(2);
      expect(bad.stderr).to.include(
        'Expected an http(s) URL for --mirror but received "ftp://example.org/mnist/"',
      );
    });
  });

  describe('train → evaluate → predict', () => {
    let model: string;
    let report: string;
    let train: Run;
    before(() => {
      model = path.join(tmp, 'digits.blasnet');
      report = path.join(tmp, 'report.html');
      train = cli(
        'train',
        '--layers',
        '784,30,10',
        '--epochs',
        '2',
        '--batch-size',
        '10',
        '--out',
        model,
        '--report',
        report,
      );
    });

    it('train prints a line per epoch (no bar, no escape codes, stdout not a TTY) and saves the model and report', () => {
      expect(train.status, train.stderr).to.equal(0);
      const lines = train.stdout.split('\n');
      expect(
        lines.filter((l) =>
          /^epoch [ 0-9]+\/2 {2}loss \d\.\d{4} {2}train acc .* {2}test acc \d+\.\d\d%/.test(l),
        ),
      ).to.have.length(2);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: no ANSI escape may reach a pipe
      expect(train.stdout).to.not.match(/\u001b\[/);
      expect(train.stdout).to.match(/test accuracy \d+\.\d\d% \(\d+\/2000\)/);
      expect(fs.existsSync(model)).to.equal(true);
      expect(fs.existsSync(report)).to.equal(true);
    });

    it('evaluate reports accuracy, per-class precision/recall and the confusion matrix', async () => {
      const text = await run('evaluate', model);
      expect(text.status, text.stderr).to.equal(0);
      expect(text.stdout).to.include('class  precision  recall  support');
      expect(text.stdout).to.include('confusion matrix (rows: true class, columns: predicted)');
      const r = cli('evaluate', model, '--json');
      expect(r.status, r.stderr).to.equal(0);
      const e = JSON.parse(r.stdout) as {
        accuracy: number;
        n: number;
        correct: number;
        confusion: number[][];
        perClass: { precision: number; recall: number; support: number }[];
        encoding: string;
      };
      expect(e.n).to.equal(2000);
      expect(e.encoding).to.equal('onehot');
      expect(e.accuracy).to.be.above(0.85);
      // The same number as train's final line.
      const trained = /test accuracy (\d+\.\d\d)%/.exec(train.stdout)![1];
      expect((e.accuracy * 100).toFixed(2)).to.equal(trained);
      expect(e.confusion).to.have.length(10);
      expect(e.confusion.flat().reduce((a, b) => a + b, 0)).to.equal(2000);
      expect(e.confusion.reduce((s, row, i) => s + row[i], 0)).to.equal(e.correct);
      expect(e.perClass.map((c) => c.support).reduce((a, b) => a + b, 0)).to.equal(2000);
      for (const c of e.perClass) {
        expect(c.precision).to.be.within(0, 1);
        expect(c.recall).to.be.within(0, 1);
      }
    });

    it('predict prints one label per image of an IDX file', async () => {
      const mnist = loadMnist();
      const file = path.join(tmp, 'first-50-idx3-ubyte.gz');
      writeIdx(file, { data: mnist.test.bytes.subarray(0, 50 * 784), dims: [50, 28, 28] });
      const r = cli('predict', model, file);
      expect(r.status, r.stderr).to.equal(0);
      const labels = r.stdout.trim().split('\n').map(Number);
      expect(labels).to.have.length(50);
      const correct = labels.filter((l, i) => l === mnist.test.labels[i]).length;
      expect(correct).to.be.at.least(40);
      const json = JSON.parse((await run('predict', model, file, '--json')).stdout) as {
        predictions: { label: number; confidence: number; outputs: number[] }[];
      };
      expect(json.predictions.map((p) => p.label)).to.deep.equal(labels);
      expect(json.predictions[0].outputs).to.have.length(10);
      expect(json.predictions[0].confidence).to.be.within(0, 1);
    });

    it('predict refuses images of another size with a clear error', async () => {
      const file = path.join(tmp, 'small-idx3-ubyte');
      writeIdx(file, { data: new Uint8Array(3 * 14 * 14), dims: [3, 14, 14] });
      const r = await run('predict', model, file);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.include('expects 784 inputs (28x28 images)');
      expect(r.stderr).to.include('has 14x14 images (196 inputs)');
    });

    it('train --json writes JSON lines: start, one per epoch, result', async () => {
      const r = await run(
        'train',
        '--layers',
        '784,20,10',
        '--epochs',
        '2',
        '--validation',
        '1000',
        '--json',
      );
      expect(r.status, r.stderr).to.equal(0);
      const records = jsonLines(r.stdout);
      expect(records.map((x) => x.type)).to.deep.equal(['start', 'epoch', 'epoch', 'result']);
      expect(records[1]).to.include({ epoch: 1, epochs: 2, heldOut: 'validation' });
      expect(records[1].heldOutAccuracy).to.be.a('number');
      const result = records[3] as {
        testAccuracy: number;
        confusion: number[][];
        model: unknown;
        stopReason: string;
      };
      expect(result.testAccuracy).to.be.above(0.8);
      expect(result.confusion).to.have.length(10);
      expect(result.stopReason).to.equal('epochs');
      expect(result.model).to.equal(null);
    });
  });
});
