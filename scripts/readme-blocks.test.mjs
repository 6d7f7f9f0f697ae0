// Every fenced block in the READMEs (README.md, packages/*/README.md, examples/*/README.md) says what keeps it true,
// in an HTML comment on the line before it (invisible on GitHub):
//   <!-- readme-test: NAME ... -->  a test runs it: NAME is read by readmeBlock('NAME') in test/integration/*.test.ts
//   <!-- readme-file: PATH -->      it is the file PATH, verbatim (TypeScript under examples/ is type-checked by the
//                                   build, and test/integration/readme-commands.test.ts runs the snippets)
//   <!-- readme-skip: REASON -->    it is not meant to be run as it stands (output samples, Docker, other machines)
// so a new block cannot go stale unnoticed: one without a marker fails here, by file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The fenced blocks of a Markdown text: the line (1-based) of the opening fence, the language, the text (indent of
 * the fence removed), and the marker on the nearest non-blank line above (undefined when that line is not one).
 */
export function fencedBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j])) body.push(lines[j++].slice(indent));
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === '') k--;
    const m = k >= 0 ? /^<!-- readme-(test|file|skip): (.+?) -->$/.exec(lines[k].trim()) : null;
    blocks.push({
      line: i + 1,
      lang: open[2],
      text: body.join('\n'),
      marker: m ? { kind: m[1], arg: m[2] } : undefined,
    });
    i = j;
  }
  return blocks;
}

function readmes() {
  const out = ['README.md'];
  for (const dir of ['packages', 'examples'])
    for (const name of readdirSync(path.join(root, dir)).sort())
      if (existsSync(path.join(root, dir, name, 'README.md'))) out.push(`${dir}/${name}/README.md`);
  return out;
}

test('the marker parser: finds unmarked, marked and indented blocks', () => {
  const md = [
    'text',
    '```sh',
    'ls',
    '```',
    '<!-- readme-skip: a sample -->',
    '',
    '```',
    'out',
    '```',
    '- item',
    '  <!-- readme-file: a/b.py -->',
    '  ```python',
    '  x = 1',
    '  ```',
  ].join('\n');
  assert.deepEqual(fencedBlocks(md), [
    { line: 2, lang: 'sh', text: 'ls', marker: undefined },
    { line: 7, lang: '', text: 'out', marker: { kind: 'skip', arg: 'a sample' } },
    { line: 12, lang: 'python', text: 'x = 1', marker: { kind: 'file', arg: 'a/b.py' } },
  ]);
});

test('every README code block is run by a test, is a file verbatim, or says why it is not run', () => {
  const tests = readdirSync(path.join(root, 'test/integration'))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => readFileSync(path.join(root, 'test/integration', f), 'utf8'))
    .join('\n');
  const problems = [];
  let count = 0;
  for (const readme of readmes()) {
    for (const b of fencedBlocks(readFileSync(path.join(root, readme), 'utf8'))) {
      count++;
      const where = `${readme}:${b.line}: the \`\`\`${b.lang} block`;
      if (!b.marker)
        problems.push(`${where} has no <!-- readme-test|readme-file|readme-skip: ... --> marker on the line before it`);
      else if (b.marker.kind === 'test') {
        const name = b.marker.arg.split(' ')[0];
        if (!tests.includes(`readmeBlock('${name}')`))
          problems.push(
            `${where} is marked readme-test: ${name}, but no test in test/integration calls readmeBlock('${name}')`,
          );
      } else if (b.marker.kind === 'file') {
        const file = path.join(root, b.marker.arg);
        if (!existsSync(file)) problems.push(`${where} shows ${b.marker.arg}, which does not exist`);
        else if (readFileSync(file, 'utf8').trimEnd() !== b.text.trimEnd())
          problems.push(
            `${where} differs from ${b.marker.arg}: copy the file into the README (or the block into the file)`,
          );
      } else if (b.marker.arg.trim().length < 8) problems.push(`${where}: readme-skip needs a reason`);
    }
  }
  assert.ok(count > 20, `found only ${count} blocks`);
  assert.deepEqual(problems, []);
});
