/**
 * ts-jest only transpiles (isolatedModules), so a test with a type error would still run; the
 * type check of the tests is `npm run typecheck`. This keeps it so: every TypeScript file under
 * test/ is in the program that script checks.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.join(__dirname, '..', '..');

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

it('npm run typecheck covers every .ts file under test/', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const project = /tsc\b.*-p\s+(\S+)/.exec(pkg.scripts.typecheck)?.[1];
  expect(project).toBe('tsconfig.json');
  const configFile = ts.readConfigFile(path.join(root, project!), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  expect(parsed.options.noEmit || pkg.scripts.typecheck.includes('--noEmit')).toBe(true);
  expect(parsed.options.strict).toBe(true);
  const checked = new Set(parsed.fileNames.map((f) => path.resolve(f)));
  const tests = walk(path.join(root, 'test')).filter((f) => f.endsWith('.ts'));
  expect(tests.length).toBeGreaterThan(40);
  expect(tests.filter((f) => !checked.has(f)).map((f) => path.relative(root, f))).toEqual([]);
});
