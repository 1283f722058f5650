/**
 * Every public export of blasnet (what lib/index.ts exports) has a TSDoc comment with an
 * `@example`, and so does every public method of an exported class. Read with the TypeScript
 * compiler API, so a new export without docs fails here.
 */
import { expect } from 'chai';
import * as ts from 'typescript';
import { publicExports } from './helpers/public-api';

function hasExample(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((t) => t.tagName.text === 'example');
}

function hasDoc(node: ts.Node): boolean {
  return ts.getJSDocCommentsAndTags(node).length > 0;
}

describe('public API docs', () => {
  let exports: Array<{ name: string; decls: ts.Declaration[] }>;
  before(function () {
    this.timeout(60000);
    exports = publicExports().exports.map(({ name, symbol }) => ({
      name,
      decls: symbol.getDeclarations() ?? [],
    }));
  });

  it('exports the API the README promises', () => {
    const names = exports.map((e) => e.name);
    for (const n of [
      'Network',
      'fit',
      'fitSync',
      'evaluate',
      'gradientCheck',
      'saveNetwork',
      'loadNetwork',
      'backend',
      'Perceptron',
      'Circuit',
      'approximate',
      'readIdx',
      'writeIdx',
      'decodeIdx',
      'encodeIdx',
      'loadMnist',
      'downloadMnist',
      'getEncoding',
      'encodings',
      'permutation',
      'miniBatches',
      'batches',
      'gatherRows',
    ]) {
      expect(names).to.include(n);
    }
  });

  it('every export has TSDoc with an @example', () => {
    const missing: string[] = [];
    for (const { name, decls } of exports) {
      expect(decls.length, name).to.be.greaterThan(0);
      // A const's docs sit on its variable statement; getJSDocTags looks there from the declaration.
      if (!decls.some((d) => hasDoc(d) && hasExample(d))) missing.push(name);
    }
    expect(missing, `exports without an @example: ${missing.join(', ')}`).to.deep.equal([]);
  });

  it('every public member of an exported class has TSDoc with an @example', () => {
    const missing: string[] = [];
    for (const { name, decls } of exports) {
      for (const decl of decls) {
        if (!ts.isClassDeclaration(decl)) continue;
        for (const member of decl.members) {
          const isPrivate =
            ts.getCombinedModifierFlags(member as ts.Declaration) &
            (ts.ModifierFlags.Private | ts.ModifierFlags.Protected);
          if (isPrivate || ts.isPropertyDeclaration(member)) continue;
          const label = ts.isConstructorDeclaration(member)
            ? 'constructor'
            : (member.name?.getText() ?? '?');
          if (!hasExample(member)) missing.push(`${name}.${label}`);
        }
      }
    }
    expect(missing, `members without an @example: ${missing.join(', ')}`).to.deep.equal([]);
  });
});
