/**
 * The docs cannot drift from the code:
 * - every fenced block marked `<!-- output: COMMAND -->` in README.md or docs/*.md is exactly what
 *   COMMAND prints today (COMMAND is `[VAR=value ...] npx tsx FILE [args]`, run from the
 *   repository root as written);
 * - every relative link points to a file that exists (and, into a markdown file, to a heading that
 *   exists);
 * - every `npm run NAME` names a script of package.json, and every `npx tsx FILE` a file;
 * - docs/api.md is what scripts/api-doc.ts generates from lib/index.ts's exports and their TSDoc.
 * To update a block after an intended change, run its command and paste what it prints.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';

const ROOT = path.resolve(__dirname, '..');
const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

function read(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8');
}

interface OutputBlock {
  file: string;
  line: number;
  command: string;
  expected: string;
}

const MARKER = /^<!-- output: (.+?) -->$/;

/** The marked blocks of one markdown file: the marker, optional blank lines, then a fence. */
function outputBlocks(file: string, text: string): OutputBlock[] {
  const lines = text.split('\n');
  const blocks: OutputBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i] ?? '');
    if (!m?.[1]) continue;
    let j = i + 1;
    while (lines[j] === '') j++;
    const fence = /^(```+|~~~+)/.exec(lines[j] ?? '');
    if (!fence?.[1]) throw new Error(`${file}:${i + 1}: an output marker not followed by a fence`);
    const end = lines.findIndex((l, k) => k > j && l === fence[1]);
    if (end < 0) throw new Error(`${file}:${j + 1}: an unclosed fence`);
    blocks.push({
      file,
      line: i + 1,
      command: m[1],
      expected: lines.slice(j + 1, end).join('\n'),
    });
  }
  return blocks;
}

/** `[VAR=value ...] npx tsx FILE [args]` as environment, file and arguments. */
function parseCommand(command: string): {
  env: Record<string, string>;
  file: string;
  args: string[];
} {
  const words = command.split(/\s+/);
  const env: Record<string, string> = {};
  while (words[0] !== undefined && /^[A-Z_]+=/.test(words[0])) {
    const [name, ...value] = (words.shift() ?? '').split('=');
    if (name) env[name] = value.join('=');
  }
  const [npx, tsx, file, ...args] = words;
  if (npx !== 'npx' || tsx !== 'tsx' || file === undefined)
    throw new Error(`Expected "[VAR=value ...] npx tsx FILE [args]" but received ${command}`);
  return { env, file, args };
}

/** What the command prints, each line's trailing spaces and the final newlines dropped. */
function run(command: string): string {
  const { env, file, args } = parseCommand(command);
  // `node --import tsx` is what `npx tsx` runs, without npx's start-up.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (env.BLASNET_BACKEND === undefined) delete childEnv.BLASNET_BACKEND;
  const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: childEnv,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0)
    throw new Error(`${command} exited with ${result.status}: ${result.stderr}`);
  return normalize(result.stdout);
}

function normalize(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}

/** The first line where two texts differ, for a readable failure. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i])
      return `line ${i + 1} of the block:\n  documented: ${e[i] ?? '(none)'}\n  printed:    ${a[i] ?? '(none)'}`;
  }
  return 'no difference';
}

/** Markdown without its fenced blocks and inline code, where links are not links. */
function prose(text: string): string {
  return text.replace(/^(```+|~~~+)[^\n]*\n[\s\S]*?^\1$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of prose(text).matchAll(/^#{1,6}\s+(.+)$/gm)) if (m[1]) out.add(anchor(m[1]));
  return out;
}

describe('docs', () => {
  const blocks = DOCS.flatMap((f) => outputBlocks(f, read(f)));

  it('mark the examples and the quick experiments as checked outputs', () => {
    const commands = blocks.map((b) => b.command);
    for (const example of readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.ts')))
      expect(
        commands.some((c) => c.includes(`examples/${example}`)),
        `examples/${example} has a checked output block in the docs`,
      ).to.equal(true);
    expect(commands.some((c) => c.includes('scripts/experiments.ts'))).to.equal(true);
  });

  for (const block of blocks) {
    it(`${block.file}:${block.line} is what \`${block.command}\` prints`, function () {
      this.timeout(120000);
      const actual = run(block.command);
      const expected = normalize(block.expected);
      expect(actual === expected, `${firstDifference(actual, expected)}`).to.equal(true);
    });
  }

  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of DOCS) {
      const text = prose(read(file));
      const targets = [
        ...[...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]),
        ...[...text.matchAll(/<img[^>]+src="([^"]+)"/g)].map((m) => m[1]),
      ];
      for (const target of targets) {
        if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [pathPart = '', fragment] = target.split('#');
        const resolved = pathPart
          ? path.resolve(path.dirname(path.join(ROOT, file)), decodeURIComponent(pathPart))
          : path.join(ROOT, file);
        if (!existsSync(resolved)) {
          broken.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (
          fragment &&
          resolved.endsWith('.md') &&
          !anchors(readFileSync(resolved, 'utf8')).has(fragment)
        )
          broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it('name only npm scripts and files that exist', () => {
    const scripts = Object.keys(JSON.parse(read('package.json')).scripts);
    const missing: string[] = [];
    for (const file of DOCS) {
      const text = read(file);
      for (const m of text.matchAll(/\bnpm run ([\w:-]+)/g))
        if (m[1] && !scripts.includes(m[1])) missing.push(`${file}: npm run ${m[1]}`);
      for (const m of text.matchAll(/\bnpx tsx ([\w./-]+\.ts)\b/g))
        if (m[1] && !existsSync(path.join(ROOT, m[1]))) missing.push(`${file}: npx tsx ${m[1]}`);
    }
    expect(missing).to.deep.equal([]);
  });

  // An inline command to type, such as `blasnet --help` (the old README's), not a name such as
  // `blasnet export` alone.
  const INLINE_BARE =
    /`blasnet (--help|--version|(train|evaluate|predict|download|info|export|help) [^`]+)`/;

  it('run the CLI as npx blasnet: in a clone, blasnet alone is not on the PATH', () => {
    const bare: string[] = [];
    for (const file of DOCS) {
      let inShell = false;
      read(file)
        .split('\n')
        .forEach((line, i) => {
          if (/^```(sh|bash|shell|console)\b/.test(line)) inShell = true;
          else if (line.startsWith('```')) inShell = false;
          else if (inShell && /^(\$ )?blasnet\s/.test(line)) bare.push(`${file}:${i + 1}: ${line}`);
          else if (!inShell && INLINE_BARE.test(line)) bare.push(`${file}:${i + 1}: ${line}`);
        });
    }
    expect(bare).to.deep.equal([]);
  });

  it("README's lecture-to-API table names only exports of blasnet", () => {
    const api = Object.keys(require('../lib'));
    const table = read('README.md').split('## The lecture in the API')[1]?.split('\n## ')[0];
    expect(table, 'the section "The lecture in the API"').to.be.a('string');
    const unknown: string[] = [];
    let names = 0;
    for (const row of (table ?? '').split('\n').filter((l) => l.startsWith('| '))) {
      const cell = row.split(' | ')[1] ?? '';
      for (const m of cell.matchAll(/`(?:new )?([A-Za-z_]\w*)(?:\(|`)/g)) {
        if (!m[1]) continue;
        names++;
        if (!api.includes(m[1])) unknown.push(m[1]);
      }
    }
    expect(names, 'names found in the table').to.be.above(10);
    expect(unknown).to.deep.equal([]);
  });

  it('docs/api.md is what scripts/api-doc.ts generates from lib/index.ts (npm run docs:api)', function () {
    this.timeout(120000);
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/api-doc.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(result.status, result.stderr).to.equal(0);
    const expected = read('docs/api.md');
    expect(result.stdout === expected, firstDifference(result.stdout, expected)).to.equal(true);
  });
});
