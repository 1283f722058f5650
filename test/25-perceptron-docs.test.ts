/**
 * Every public export of lib/perceptron (its index.ts) and of lib/universal.ts has a TSDoc
 * comment with an `@example`, and so does every public method and constructor of an exported
 * class. Read with the TypeScript compiler API, so a new export without docs fails here.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import * as ts from 'typescript';

const ENTRY_POINTS = [path.resolve(__dirname, '..', 'lib', 'perceptron', 'index.ts'), path.resolve(__dirname, '..', 'lib', 'universal.ts')];

function hasExample(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((t) => t.tagName.text === 'example');
}

describe('lib/perceptron and lib/universal API docs', function () {
  const exports: { file: string; name: string; decls: ts.Declaration[] }[] = [];

  before(function () {
    const program = ts.createProgram(ENTRY_POINTS, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, noEmit: true, types: ['node'] });
    const checker = program.getTypeChecker();
    for (const file of ENTRY_POINTS) {
      const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
      for (const sym of checker.getExportsOfModule(moduleSymbol)) {
        const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
        exports.push({ file: path.basename(file), name: sym.getName(), decls: target.getDeclarations() ?? [] });
      }
    }
  });

  it('exports the promised API', function () {
    const names = exports.map((e) => e.name);
    for (const n of ['Perceptron', 'Circuit', 'fromTruthTable', 'fullAdder', 'parity', 'NAND_THETA', 'nandPerceptron', 'pairwiseProducts', 'mapFeatures', 'gateData', 'linearlySeparable', 'approximate', 'supNormError']) {
      expect(names).to.include(n);
    }
  });

  it('every export has TSDoc with an @example', function () {
    const missing = exports.filter(({ decls }) => !decls.some(hasExample)).map((e) => `${e.file}: ${e.name}`);
    expect(missing, `exports without an @example: ${missing.join(', ')}`).to.deep.equal([]);
  });

  it('every public method and constructor of an exported class has TSDoc with an @example', function () {
    const missing: string[] = [];
    for (const { name, decls } of exports) {
      for (const decl of decls) {
        if (!ts.isClassDeclaration(decl)) continue;
        for (const member of decl.members) {
          const hidden = ts.getCombinedModifierFlags(member as ts.Declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected);
          const internal = ts.getJSDocTags(member).some((t) => t.tagName.text === 'internal');
          if (hidden || internal || ts.isPropertyDeclaration(member)) continue;
          const label = ts.isConstructorDeclaration(member) ? 'constructor' : (member.name?.getText() ?? '?');
          if (!hasExample(member)) missing.push(`${name}.${label}`);
        }
      }
    }
    expect(missing, `members without an @example: ${missing.join(', ')}`).to.deep.equal([]);
  });
});
