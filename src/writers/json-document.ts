/**
 * A JSON document with one list too long to hold as one string (the problems of a large file), written a piece at a
 * time. The text is the same as `JSON.stringify(document, null, 2)` with the list in place of `document[key]`.
 */

/** Pieces of text of about this many characters. */
const pieceSize = 1 << 16;

/** An item of the list as `JSON.stringify(item, null, 2)` writes it there: its lines after the first indented by four spaces. */
export const listItemJson = (item: unknown): string => JSON.stringify(item, null, 2).replaceAll('\n', '\n    ');

/** `itemText` may write an item more quickly than `listItemJson`, in the same text. */
export function* jsonDocumentPieces<T>(document: Record<string, unknown>, key: string, items: Iterable<T>, itemText: (item: T) => string = listItemJson): Generator<string> {
  const marker = `\u0000list-${Math.random().toString(36).slice(2)}\u0000`;
  const whole = JSON.stringify({ ...document, [key]: marker }, null, 2);
  const quoted = JSON.stringify(marker);
  const at = whole.indexOf(quoted);
  let piece = whole.slice(0, at);
  let first = true;
  for (const item of items) {
    piece += `${first ? '[' : ','}\n    ${itemText(item)}`;
    first = false;
    if (piece.length >= pieceSize) {
      yield piece;
      piece = '';
    }
  }
  piece += first ? '[]' : '\n  ]';
  yield `${piece}${whole.slice(at + quoted.length)}\n`;
}
