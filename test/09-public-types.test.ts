/**
 * Every type that a public signature names is itself exported: a user can write down the type of
 * anything blasnet hands out or takes (`net.layout` is a `Layout`, so `Layout` is exported).
 * Read with the TypeScript compiler API from lib/index.ts: each export's declarations are walked
 * (function signatures, the public members of classes, interface properties, type aliases; not
 * private, protected or `@internal` members), and
 * every type reference that resolves to a declaration in lib/ must be an export too.
 */
import * as path from 'node:path';
import { expect } from 'chai';
import * as ts from 'typescript';
import { LIB, publicExports } from './helpers/public-api';

function isPrivate(node: ts.Node): boolean {
  // `@internal` marks what users do not call, such as a constructor made by a factory.
  if (ts.getJSDocTags(node).some((t) => t.tagName.text === 'internal')) return true;
  const flags = ts.getCombinedModifierFlags(node as ts.Declaration);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return true;
  const name = (node as ts.NamedDeclaration).name;
  return name !== undefined && ts.isPrivateIdentifier(name);
}

describe('public API types', () => {
  it('exports every type a public signature names', function () {
    this.timeout(60000);
    const { checker, exports } = publicExports();
    const resolve = (s: ts.Symbol): ts.Symbol =>
      s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    const exported = exports.map((e) => e.symbol);
    const exportedSet = new Set(exported);
    const missing = new Map<string, Set<string>>();

    const visit = (node: ts.Node, owner: string): void => {
      // A class's private and protected members and function bodies are not part of the API.
      if (isPrivate(node)) return;
      if (ts.isBlock(node) || ts.isExpression(node)) return;
      if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
        const name = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
        const sym = checker.getSymbolAtLocation(name);
        if (sym) {
          const target = resolve(sym);
          const decl = target.getDeclarations()?.[0];
          const file = decl?.getSourceFile().fileName;
          const isTypeParameter = decl !== undefined && ts.isTypeParameterDeclaration(decl);
          if (
            file?.startsWith(LIB) &&
            !isTypeParameter &&
            !exportedSet.has(target) &&
            // An enum member (`LossCode.Quadratic`) is reached through its exported enum.
            !(target.flags & ts.SymbolFlags.EnumMember)
          ) {
            const key = `${target.getName()} (${path.relative(LIB, file)})`;
            if (!missing.has(key)) missing.set(key, new Set());
            missing.get(key)!.add(owner);
          }
        }
      }
      ts.forEachChild(node, (child) => visit(child, owner));
    };

    for (const sym of exported) {
      for (const decl of sym.getDeclarations() ?? []) {
        if (!decl.getSourceFile().fileName.startsWith(LIB)) continue;
        // A variable's declared type, not its initializer (which is an implementation).
        if (ts.isVariableDeclaration(decl)) {
          if (decl.type) visit(decl.type, sym.getName());
          continue;
        }
        visit(decl, sym.getName());
      }
    }
    const report = [...missing].map(
      ([type, owners]) => `${type}, named by ${[...owners].join(', ')}`,
    );
    expect(
      report,
      'types named by public signatures but not exported from lib/index.ts',
    ).to.deep.equal([]);
  });
});
