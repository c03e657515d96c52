/**
 * A DNS TXT record holds one or more character-strings of at most 255 bytes each (RFC 1035
 * §3.3.14); longer texts such as a 2048-bit DKIM key are split, and resolvers join the strings.
 */
export const MAX_TXT_STRING_BYTES = 255;

/** Splits a text into ≤ 255-byte strings (the texts we publish are ASCII). */
export const splitTxtValue = (text: string): string[] => {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new Error(`TXT value must be printable ASCII: ${JSON.stringify(text)}`);
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += MAX_TXT_STRING_BYTES) chunks.push(text.slice(i, i + MAX_TXT_STRING_BYTES));
  return chunks.length ? chunks : [''];
};
