/**
 * The public API as the TypeScript compiler sees it: lib/index.ts's exports, each resolved through
 * its aliases, for the tests that check every export (09-public-docs, 09-public-types).
 */
import * as path from 'node:path';
import * as ts from 'typescript';

export const LIB = path.resolve(__dirname, '..', '..', 'lib');
export const INDEX = path.join(LIB, 'index.ts');

/** The type checker and each export of lib/index.ts with its name and resolved symbol. */
export function publicExports(): {
  checker: ts.TypeChecker;
  exports: Array<{ name: string; symbol: ts.Symbol }>;
} {
  const program = ts.createProgram([INDEX], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    strict: true,
    noEmit: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!;
  return {
    checker,
    exports: checker.getExportsOfModule(moduleSymbol).map((sym) => ({
      name: sym.getName(),
      symbol: sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym,
    })),
  };
}
