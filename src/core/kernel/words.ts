/** "1 row", "3 rows"; `many` for a plural not made with -s ("2 companies"). */
export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

/** Text quoted for a POSIX shell: in double quotes when nothing in it is special there, else in single quotes. */
export function shellQuote(text: string): string {
  if (!/["$`\\!]/.test(text)) return `"${text}"`;
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A word of a command line: as it is when the shell reads it so, else quoted. */
export const shellWord = (word: string) => (/^[\w./:=@%+,-]+$/.test(word) ? word : shellQuote(word));
