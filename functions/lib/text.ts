/**
 * Characters that must never reach a one-line text a person reads elsewhere (Security Hub notes, imported
 * findings, notifications): C0 and C1 controls (NUL, CR, LF, tab, escape...), DEL, the line and paragraph
 * separators, and the invisible direction marks and overrides that make text display in another order than it
 * is stored ("Trojan Source": U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_RUNS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/** Whether the text holds a control, separator or direction-override character. */
export function hasUnsafeChars(text: string): boolean {
  return UNSAFE.test(text);
}

/** The text on one line: every run of unsafe characters becomes one space. */
export function oneLine(text: string): string {
  return text.replace(UNSAFE_RUNS, ' ').trim();
}
