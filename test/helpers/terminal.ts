/**
 * A minimal terminal screen for tests: replays what a program wrote to a terminal (text, \r, \n,
 * and the few escape sequences cli-progress and readline use) and returns the lines a user would
 * see at the end. No scrolling region and no wrapping: lines grow as long as they are written.
 */

/** The screen after `output`, one string per line, trailing spaces and empty last lines removed. */
export function renderTerminal(output: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  let saved = { row: 0, col: 0 };
  const line = (): string[] => {
    while (lines.length <= row) lines.push([]);
    return lines[row]!;
  };
  const put = (ch: string): void => {
    const l = line();
    while (l.length < col) l.push(' ');
    l[col] = ch;
    col++;
  };
  const chars = [...output];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '\r') col = 0;
    else if (ch === '\n') row++;
    else if (ch === '\u001b') {
      const next = chars[i + 1];
      if (next === '7') {
        saved = { row, col };
        i++;
      } else if (next === '8') {
        ({ row, col } = saved);
        i++;
      } else if (next === '[') {
        let j = i + 2;
        let params = '';
        while (j < chars.length && !/[@-~]/.test(chars[j]!)) params += chars[j++];
        const final = chars[j];
        const n = Number(params.replace('?', '')) || 0;
        const l = line();
        if (final === 'G') col = Math.max(0, (n || 1) - 1);
        else if (final === 'K' && n === 0) l.length = Math.min(l.length, col);
        else if (final === 'K' && n === 1)
          for (let k = 0; k <= col && k < l.length; k++) l[k] = ' ';
        else if (final === 'K' && n === 2) l.length = 0;
        else if (final === 'A') row = Math.max(0, row - (n || 1));
        else if (final === 'B') row += n || 1;
        else if (final === 'C') col += n || 1;
        else if (final === 'D') col = Math.max(0, col - (n || 1));
        // h/l (cursor visibility, line wrapping) and colours change nothing on this screen.
        i = j;
      }
    } else put(ch);
  }
  const text = lines.map((l) => l.join('').replace(/\s+$/, ''));
  while (text.length > 0 && text[text.length - 1] === '') text.pop();
  return text;
}
