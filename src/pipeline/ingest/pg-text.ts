// Text measured as PostgreSQL measures it: in characters (code points), where a JS string's
// length counts UTF-16 units and an emoji is two of them.

/** left(s, n): the first n characters. */
export function left(s: string, n: number): string {
  if (s.length <= n) return s;
  let end = 0;
  for (let i = 0; i < n && end < s.length; i++) end += s.codePointAt(end)! > 0xffff ? 2 : 1;
  return s.slice(0, end);
}

/** length(s) > n; false for NULL, as the comparison is in SQL. */
export function longerThan(s: string | null, n: number): boolean {
  if (s === null || s.length <= n) return false;
  let chars = 0;
  for (const _ of s) if (++chars > n) return true;
  return false;
}
