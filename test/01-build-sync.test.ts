/**
 * The two native build descriptions stay in sync: CMakeLists.txt (cmake-js, the default) and
 * binding.gyp (node-gyp) list the same sources in the same order, every listed file exists,
 * every C++ source under native/ is listed, and both compile with the same defines.
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');

/** The `set(BLASNET_SOURCES ...)` list of CMakeLists.txt. */
function cmakeSources(text: string): string[] {
  const match = /set\(\s*BLASNET_SOURCES\s+([^)]*)\)/.exec(text);
  if (!match) throw new Error('CMakeLists.txt has no set(BLASNET_SOURCES ...)');
  return match[1]
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .flatMap((line) => line.split(/\s+/))
    .filter((item) => item !== '');
}

/** binding.gyp is a Python literal; ours is JSON plus `#` comments, which are dropped outside strings. */
function parseGyp(text: string): {
  targets: Array<{ target_name: string; sources: string[]; defines: string[] }>;
} {
  let out = '';
  let inString: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === inString) inString = null;
    } else if (c === '"' || c === "'") {
      inString = c;
      out += c;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1')) as ReturnType<typeof parseGyp>;
}

function nativeSourcesOnDisk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return nativeSourcesOnDisk(path);
    return entry.name.endsWith('.cc') ? [relative(root, path).split('\\').join('/')] : [];
  });
}

/** The names of the defines of CMakeLists.txt's target_compile_definitions. */
function cmakeDefineNames(text: string): string[] {
  const match = /target_compile_definitions\(\s*blasnet\s+PRIVATE\s+([^)]*)\)/.exec(text);
  if (!match)
    throw new Error('CMakeLists.txt has no target_compile_definitions(blasnet PRIVATE ...)');
  return match[1]
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '')
    .map((define) => define.split('=')[0]);
}

describe('native build descriptions', () => {
  const cmakeText = readFileSync(join(root, 'CMakeLists.txt'), 'utf8');
  const gyp = parseGyp(readFileSync(join(root, 'binding.gyp'), 'utf8'));
  const target = gyp.targets.find((t) => t.target_name === 'blasnet');

  it('binding.gyp has a blasnet target', () => {
    expect(target, 'target "blasnet" in binding.gyp').to.not.equal(undefined);
  });

  it('CMakeLists.txt and binding.gyp list the same sources in the same order', () => {
    const cmake = cmakeSources(cmakeText);
    expect(cmake).to.not.be.empty;
    expect(target!.sources).to.deep.equal(cmake);
  });

  it('lists no source twice', () => {
    const cmake = cmakeSources(cmakeText);
    expect(new Set(cmake).size).to.equal(cmake.length);
  });

  it('every listed source exists', () => {
    const missing = cmakeSources(cmakeText).filter((file) => !existsSync(join(root, file)));
    expect(missing, 'listed but missing').to.deep.equal([]);
  });

  it('every .cc file under native/ is listed', () => {
    const listed = new Set(cmakeSources(cmakeText));
    const unlisted = nativeSourcesOnDisk(join(root, 'native')).filter((file) => !listed.has(file));
    expect(unlisted, 'on disk but not built').to.deep.equal([]);
  });

  it('both builds compile with the same defines', () => {
    const gypNames = target!.defines.map((define) => define.split('=')[0]).sort();
    expect(gypNames).to.deep.equal(cmakeDefineNames(cmakeText).sort());
    expect(gypNames).to.include.members([
      'NAPI_VERSION',
      'NODE_ADDON_API_DISABLE_DEPRECATED',
      'BLASNET_VERSION',
    ]);
  });
});
