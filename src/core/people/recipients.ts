/**
 * A person's list of copies (`cc_emails`): addresses as typed, separated by `;` or `,`, kept as "a@x.org; b@y.org".
 * Pure rules; each address is checked by the caller, with the rule of its own input (an option, an import cell).
 */

/** The addresses of a list as typed: trimmed, without empty ones, each once (capital letters do not matter). */
export function splitAddresses(text: string): string[] {
  const addresses: string[] = [];
  for (const part of text.split(/[;,]/)) {
    const address = part.trim();
    if (address !== '' && !addresses.some((a) => a.toLowerCase() === address.toLowerCase())) addresses.push(address);
  }
  return addresses;
}

/** The stored form of a list: "a@x.org; b@y.org", null for none. */
export const joinAddresses = (addresses: readonly string[]): string | null => (addresses.length === 0 ? null : addresses.join('; '));

/** The addresses of a stored list. */
export const storedAddresses = (stored: string | null): string[] => (stored === null ? [] : splitAddresses(stored));
