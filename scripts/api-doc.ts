/**
 * Writes docs/api.md, the API reference, from lib/index.ts: every export, in the order of the
 * sections below, with its signature, the first paragraph of its TSDoc, its options (the
 * properties of an options interface, each with its TSDoc, where the defaults are stated) and its
 * `@example`. Generated rather than written, so that it cannot drift from the code:
 * test/08-docs.test.ts fails when docs/api.md differs from what this prints. The page goes
 * through Biome's formatter (the examples' code blocks too), so `npm run lint` leaves it as is.
 *
 *   npm run docs:api            (npx tsx scripts/api-doc.ts --out docs/api.md)
 *   npx tsx scripts/api-doc.ts  (prints it)
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const INDEX = path.join(ROOT, 'lib', 'index.ts');

/**
 * Sections by source file (relative to lib/, without .ts; a name ending in / takes the whole
 * directory), in the order they appear. An export in none of them is an error.
 */
const SECTIONS: Array<{ title: string; intro?: string; files: string[] }> = [
  {
    title: 'Networks',
    intro:
      'Rows are examples: `x` is `[n, n0]` row-major. A layer’s weights are `[nOut, nIn]` (PyTorch’s `nn.Linear` layout), and all parameters live in one `Float32Array`, `net.params` (w¹, b¹, w², b², …). Layers are numbered as in the lecture, l = 1..L.',
    files: ['network', 'activations', 'init', 'random'],
  },
  {
    title: 'Training',
    files: [
      'train',
      'stream-fit',
      'task',
      'schedule',
      'losses',
      'evaluate',
      'regression-metrics',
      'gradient-check',
    ],
  },
  {
    title: 'Optimizers',
    intro:
      'SGD, Adam, AdamW and RMSprop as PyTorch computes them, gradient clipping, and the training state that lives on across calls and in checkpoints: [optimizers.md](optimizers.md).',
    files: ['optimizers', 'training-state', 'clip'],
  },
  { title: 'Training in the background', files: ['background/'] },
  { title: 'Model files', files: ['model-file'] },
  {
    title: 'Interop: ONNX and safetensors',
    intro: 'The exact commands each way, and what other tools read: [interop.md](interop.md).',
    files: ['interop/'],
  },
  {
    title: 'Perceptrons and circuits',
    files: ['perceptron/'],
  },
  { title: 'Universal approximation', files: ['universal'] },
  {
    title: 'Data',
    files: ['data/'],
  },
  {
    title: 'Backends',
    intro:
      'The native backend (C++ on blasnet’s own kernels and OpenBLAS) when it loads, else the pure-TypeScript one; `BLASNET_BACKEND=native|js|auto` chooses from the environment, `setBackend` from code, `new Network({ backend })` for one network. See [building.md](building.md#choosing-the-backend).',
    files: ['backend/'],
  },
  { title: 'Reports', files: ['report/'] },
  { title: 'Errors and version', files: ['errors', 'version'] },
];

const ERRORS = `Every error blasnet throws is a built-in \`TypeError\` (wrong kind), \`RangeError\` (out of range) or
\`Error\`, with a \`code\` (\`ERR_BLASNET_TYPE\`, \`ERR_BLASNET_RANGE\`, \`ERR_BLASNET_SHAPE\`,
\`ERR_BLASNET_FORMAT\`, \`ERR_BLASNET_IO\`, \`ERR_BLASNET_NATIVE\`, \`ERR_BLASNET_DIVERGED\`,
\`ERR_BLASNET_ABORTED\`). Bad arguments read \`Expected <what> for <name> but received <value>\`.
Arguments are checked in TypeScript before they cross into C++, and again in C++, which throws a
JS error and never aborts. Both backends run the same TypeScript checks (\`lib/backend/checked.ts\`,
with the C++ binding's limits), so they accept and reject the same calls. Typed arrays are checked
by what they are, not what they claim: a Proxy around a \`Float32Array\`, a subclass or object whose
\`length\` lies, or a view whose buffer was transferred away (detached) is an \`ERR_BLASNET_TYPE\`
\`TypeError\`; views on a \`SharedArrayBuffer\` are accepted. A loss that turns NaN or infinite stops
training with the epoch, the batch and a hint, and restores the weights of the start of that epoch.`;

interface Entry {
  name: string;
  symbol: ts.Symbol;
  decl: ts.Declaration;
  file: string;
}

const program = ts.createProgram([INDEX], {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  strict: true,
  noEmit: true,
  types: ['node'],
});
const checker = program.getTypeChecker();

function sourceName(decl: ts.Declaration): string {
  return path
    .relative(path.join(ROOT, 'lib'), decl.getSourceFile().fileName)
    .replace(/\\/g, '/')
    .replace(/\.ts$/, '');
}

/** The TSDoc text of a declaration, links as code. */
function docText(node: ts.Node): string {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const last = docs[docs.length - 1];
  if (!last) return '';
  return commentText(last.comment);
}

function commentText(comment: string | ts.NodeArray<ts.JSDocComment> | undefined): string {
  if (comment === undefined) return '';
  if (typeof comment === 'string') return comment;
  return comment
    .map((part) => {
      if (ts.isJSDocLink(part) || ts.isJSDocLinkCode(part) || ts.isJSDocLinkPlain(part)) {
        const target = part.name ? part.name.getText() : '';
        const text = part.text.replace(/^\|/, '').trim();
        return `\`${text || target}\``;
      }
      return part.text;
    })
    .join('');
}

/** The first paragraph, on one line; a list keeps its lines. */
function firstParagraph(text: string): string {
  const paragraph = (text.trim().split(/\n\s*\n/)[0] ?? '').trim();
  if (/^\s*- /m.test(paragraph))
    return paragraph
      .split('\n')
      .map((l) => l.trim())
      .join('\n')
      .replace(/\n(?!- )/g, ' ');
  return paragraph.replace(/\s*\n\s*/g, ' ');
}

function example(node: ts.Node): string {
  const tag = ts.getJSDocTags(node).find((t) => t.tagName.text === 'example');
  if (!tag) return '';
  // A one-line example written as inline code loses its backticks inside the fence.
  const text = commentText(tag.comment)
    .trim()
    .replace(/^`([^`\n]+)`$/, '$1');
  return text.startsWith('```') ? text : `\`\`\`ts\n${text}\n\`\`\``;
}

/** A type as written in the docs: typed arrays without `<ArrayBufferLike>`. */
function typeText(type: ts.Type, at: ts.Node, optional = false): string {
  const text = checker
    .typeToString(
      type,
      at,
      ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope,
    )
    .replace(/<ArrayBufferLike>/g, '');
  // An optional property's type: the `?` already says it may be undefined.
  return optional ? text.replace(/ \| undefined$/, '') : text;
}

function paramList(sig: ts.Signature): string {
  return sig.parameters
    .map((p) => {
      const decl = p.valueDeclaration;
      const optional =
        decl && ts.isParameter(decl) && (decl.questionToken !== undefined || decl.initializer);
      const rest = decl && ts.isParameter(decl) && decl.dotDotDotToken ? '...' : '';
      return `${rest}${p.getName()}${optional ? '?' : ''}`;
    })
    .join(', ');
}

/** The options interfaces a signature takes, documented property by property. */
function parameterDocs(sig: ts.Signature, at: ts.Node): string[] {
  const out: string[] = [];
  for (const p of sig.parameters) {
    const decl = p.valueDeclaration;
    if (!decl) continue;
    const type = checker.getTypeOfSymbolAtLocation(p, decl);
    const optional =
      ts.isParameter(decl) && (decl.questionToken !== undefined || decl.initializer !== undefined);
    const shown = typeText(type, at, optional);
    out.push(`- \`${p.getName()}\`: \`${shown}\``);
    const target = type.getNonNullableType();
    const alias = target.aliasSymbol ?? target.getSymbol();
    const aliasDecl = alias?.declarations?.[0];
    const fromLib =
      aliasDecl !== undefined &&
      !aliasDecl.getSourceFile().fileName.includes('node_modules') &&
      (ts.isInterfaceDeclaration(aliasDecl) || ts.isTypeAliasDeclaration(aliasDecl));
    if (!fromLib || !/Options$/.test(alias?.getName() ?? '')) continue;
    for (const prop of checker.getPropertiesOfType(target)) {
      const propDecl = prop.valueDeclaration ?? prop.declarations?.[0];
      if (!propDecl) continue;
      const optional = prop.flags & ts.SymbolFlags.Optional ? '?' : '';
      const propType = typeText(checker.getTypeOfSymbolAtLocation(prop, propDecl), at, !!optional);
      const doc = firstParagraph(docText(propDecl));
      out.push(`  - \`${prop.getName()}${optional}\`: \`${propType}\`${doc ? `. ${doc}` : ''}`);
    }
  }
  return out;
}

function block(heading: string, node: ts.Node, extra: string[] = []): string {
  const parts = [`### ${heading}`, ''];
  const text = firstParagraph(docText(node));
  if (text) parts.push(text, '');
  if (extra.length) parts.push(...extra, '');
  const ex = example(node);
  if (ex) parts.push(ex, '');
  return parts.join('\n');
}

function isPublicMember(m: ts.ClassElement): boolean {
  const flags = ts.getCombinedModifierFlags(m as ts.Declaration);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
  if (m.name && ts.isPrivateIdentifier(m.name)) return false;
  return ts.getJSDocTags(m).every((t) => t.tagName.text !== 'internal');
}

function functionEntry(name: string, decl: ts.Declaration): string {
  const type = checker.getTypeAtLocation(decl);
  const sigs = type.getCallSignatures();
  return sigs
    .map((sig, i) => {
      const ret = typeText(sig.getReturnType(), decl);
      const node = sig.getDeclaration() ?? decl;
      const heading = `${name}(${paramList(sig)}) -> ${ret}`;
      return i === 0 || docText(node) ? block(heading, node, parameterDocs(sig, decl)) : '';
    })
    .filter((text) => text !== '')
    .join('\n'); // an overload's block apart from the one before
}

function classEntry(name: string, decl: ts.ClassDeclaration): string {
  const parts: string[] = [];
  const ctor = decl.members.find(ts.isConstructorDeclaration);
  const classType = checker.getTypeOfSymbolAtLocation(
    checker.getSymbolAtLocation(decl.name ?? decl) ?? ({} as ts.Symbol),
    decl,
  );
  const ctorSig = classType.getConstructSignatures()[0];
  const props: string[] = [];
  for (const m of decl.members) {
    if (!isPublicMember(m) || !m.name) continue;
    if (ts.isPropertyDeclaration(m) || ts.isGetAccessorDeclaration(m)) {
      const t = typeText(checker.getTypeAtLocation(m), decl);
      const doc = firstParagraph(docText(m));
      props.push(`- \`.${m.name.getText()}\`: \`${t}\`${doc ? `. ${doc}` : ''}`);
    }
  }
  const heading = ctor && ctorSig ? `new ${name}(${paramList(ctorSig)})` : `class ${name}`;
  const ctorDocs = ctorSig ? parameterDocs(ctorSig, decl) : [];
  parts.push(
    block(heading, decl, [...ctorDocs, ...(props.length ? ['', 'Properties:', '', ...props] : [])]),
  );
  for (const m of decl.members) {
    if (!isPublicMember(m) || !ts.isMethodDeclaration(m) || !m.name || !docText(m)) continue;
    const sig = checker.getSignatureFromDeclaration(m);
    if (!sig) continue;
    const isStatic = ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Static;
    const owner = isStatic ? name : name.charAt(0).toLowerCase() + name.slice(1);
    const ret = typeText(sig.getReturnType(), m);
    parts.push(
      block(`${owner}.${m.name.getText()}(${paramList(sig)}) -> ${ret}`, m, parameterDocs(sig, m)),
    );
  }
  return parts.join('\n');
}

function valueEntry(name: string, decl: ts.Declaration): string {
  const t = typeText(checker.getTypeAtLocation(decl), decl);
  const node = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
  return block(`${name}: ${t.length > 80 ? 'object' : t}`, node);
}

function typeEntry(name: string, decl: ts.Declaration): string {
  const extra: string[] = [];
  if (ts.isInterfaceDeclaration(decl)) {
    for (const m of decl.members) {
      if (!m.name) continue;
      const optional = (m as ts.PropertySignature).questionToken ? '?' : '';
      const t = typeText(checker.getTypeAtLocation(m), decl, !!optional);
      const doc = firstParagraph(docText(m));
      extra.push(`- \`${m.name.getText()}${optional}\`: \`${t}\`${doc ? `. ${doc}` : ''}`);
    }
  } else if (ts.isTypeAliasDeclaration(decl)) {
    extra.push(`\`\`\`ts\n${decl.getText().replace(/^export\s+/, '')}\n\`\`\``);
  }
  return block(`type ${name}`, decl, extra);
}

function entryText(e: Entry): string {
  const d = e.decl;
  if (ts.isFunctionDeclaration(d)) return functionEntry(e.name, d);
  if (ts.isClassDeclaration(d)) return classEntry(e.name, d);
  if (ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d)) return typeEntry(e.name, d);
  if (ts.isVariableDeclaration(d)) {
    const type = checker.getTypeAtLocation(d);
    return type.getCallSignatures().length > 0 ? functionEntry(e.name, d) : valueEntry(e.name, d);
  }
  if (ts.isEnumDeclaration(d)) return valueEntry(e.name, d);
  return block(e.name, d);
}

function collect(): Entry[] {
  const source = program.getSourceFile(INDEX);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`Expected lib/index.ts to be a module but received ${INDEX}`);
  const out: Entry[] = [];
  for (const sym of checker.getExportsOfModule(moduleSymbol)) {
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    // A class or function first; a type of the same name (rare) after.
    const decls = target.getDeclarations() ?? [];
    const decl =
      decls.find((d) => !ts.isInterfaceDeclaration(d) && !ts.isTypeAliasDeclaration(d)) ?? decls[0];
    if (!decl) continue;
    out.push({ name: sym.getName(), symbol: target, decl, file: sourceName(decl) });
  }
  return out;
}

function isType(e: Entry): boolean {
  return ts.isInterfaceDeclaration(e.decl) || ts.isTypeAliasDeclaration(e.decl);
}

function position(e: Entry): number {
  return e.decl.getStart();
}

export function renderApi(): string {
  const entries = collect();
  const placed = new Set<string>();
  const lines: string[] = [
    '# API reference',
    '',
    '<!-- Generated by scripts/api-doc.ts from lib/index.ts and its TSDoc: do not edit by hand; run `npm run docs:api`. -->',
    '',
    "Everything `import … from 'blasnet'` gives, section by section: values first (functions, classes, constants), then the types they take and return. Each entry: the signature, what it does, its options with their defaults, and an example.",
    '',
  ];
  const toc: string[] = [];
  const body: string[] = [];
  for (const section of SECTIONS) {
    const mine = entries.filter((e) =>
      section.files.some((f) => (f.endsWith('/') ? e.file.startsWith(f) : e.file === f)),
    );
    if (mine.length === 0) continue;
    const values = mine
      .filter((e) => !isType(e))
      .sort((a, b) => a.file.localeCompare(b.file) || position(a) - position(b));
    const types = mine
      .filter(isType)
      .sort((a, b) => a.file.localeCompare(b.file) || position(a) - position(b));
    toc.push(
      `- [${section.title}](#${section.title
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-')}): ${values.map((e) => `\`${e.name}\``).join(', ')}`,
    );
    body.push(`## ${section.title}`, '');
    if (section.intro) body.push(section.intro, '');
    for (const e of [...values, ...types]) {
      body.push(entryText(e));
      placed.add(e.name);
    }
    if (section.title === 'Errors and version') body.push('### Errors', '', ERRORS, '');
  }
  const unplaced = entries.filter((e) => !placed.has(e.name));
  if (unplaced.length > 0)
    throw new Error(
      `Expected every export in a section of scripts/api-doc.ts but received ${unplaced.map((e) => `${e.name} (lib/${e.file}.ts)`).join(', ')}`,
    );
  return `${[...lines, ...toc, '', ...body]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

/** The page as Biome formats docs/api.md (biome.json's settings), so that lint passes on it. */
function formatted(markdown: string): string {
  const biome = path.join(ROOT, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
  const result = spawnSync(process.execPath, [biome, 'format', '--stdin-file-path=docs/api.md'], {
    cwd: ROOT,
    input: markdown,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0)
    throw new Error(`Expected Biome to format docs/api.md but it failed: ${result.stderr}`);
  return result.stdout;
}

if (require.main === module) {
  const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
  const text = formatted(renderApi());
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
}
