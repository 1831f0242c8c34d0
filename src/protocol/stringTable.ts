// Strings interned to indices: the trace message's string table, and any other set of keys numbered as first seen.
/** Each distinct string once, numbered in order of first use (the message's op names, modules, variables, files). */
export class StringTable {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  /** The string's index; -1 for undefined. */
  id(s: string | undefined): number {
    if (s === undefined) return -1;
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
}
