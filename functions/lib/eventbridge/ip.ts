/**
 * IP address parsing and CIDR ranges for the EventBridge `cidr` operator, with AWS's (Event Ruler's) messages.
 * Event values are parsed into preallocated scratch buffers so matching allocates nothing.
 */
import { InvalidEventPatternError } from '../errors.js';

// Ruler's own shape filters: anything else (zone ids, dotted IPv4-mapped IPv6...) is "Nonstandard".
const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const MASK_SHAPE = /^[+-]?[0-9]+$/;

/** Parses a dotted-quad IPv4 address to an unsigned 32-bit number, or -1. */
export function parseIPv4(text: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      part = part * 10 + (c - 0x30);
      digits++;
      if (digits > 3 || part > 255) return -1;
    } else if (c === 0x2e) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

/** Parses an IPv6 address (with `::` compression, no embedded IPv4) into `out` (8 groups). */
export function parseIPv6(text: string, out: Uint16Array): boolean {
  if (text.length < 2 || text.length > 39) return false;
  let group = 0;
  let digits = 0;
  let count = 0;
  let gapAt = -1;
  let i = 0;
  if (text.charCodeAt(0) === 0x3a) {
    if (text.charCodeAt(1) !== 0x3a) return false;
    gapAt = 0;
    i = 2;
    if (i === text.length) {
      out.fill(0);
      return true;
    }
  }
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let nibble: number;
    if (c >= 0x30 && c <= 0x39) nibble = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) nibble = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) nibble = c - 0x37;
    else if (c === 0x3a) {
      if (digits === 0) return false;
      if (count === 8) return false;
      out[count++] = group;
      group = 0;
      digits = 0;
      if (text.charCodeAt(i + 1) === 0x3a) {
        if (gapAt !== -1) return false;
        gapAt = count;
        i++;
        if (i === text.length - 1) break;
      } else if (i === text.length - 1) {
        return false;
      }
      continue;
    } else return false;
    if (++digits > 4) return false;
    group = group * 16 + nibble;
  }
  if (digits > 0) {
    if (count === 8) return false;
    out[count++] = group;
  }
  if (gapAt === -1) return count === 8;
  if (count > 7) return false;
  // Shift the groups after the gap to the end and zero the gap.
  const tail = count - gapAt;
  for (let k = 0; k < tail; k++) out[7 - k] = out[count - 1 - k] as number;
  for (let k = gapAt; k < 8 - tail; k++) out[k] = 0;
  return true;
}

const scratch = new Uint16Array(8);

/**
 * Compiles a `cidr` operand into a predicate over event strings. Throws {@link InvalidEventPatternError} with
 * Ruler's messages: one '/' required, integer mask, non-negative mask, IPv4 mask < 32, IPv6 mask < 128, and
 * "Nonstandard IP address" for anything that is not a plain IPv4 or IPv6 address.
 */
export function compileCidr(cidr: string): (value: string) => boolean {
  const slash = cidr.split('/');
  if (slash.length !== 2) throw new InvalidEventPatternError("Malformed CIDR, one '/' required");
  const [address, maskText] = slash as [string, string];
  if (!MASK_SHAPE.test(maskText)) {
    throw new InvalidEventPatternError('Malformed CIDR, mask bits must be an integer');
  }
  const mask = Number.parseInt(maskText, 10);
  if (mask < 0) throw new InvalidEventPatternError('Malformed CIDR, mask bits must not be negative');
  if (IPV4_SHAPE.test(address)) {
    const ip = parseIPv4(address);
    if (ip < 0) throw new InvalidEventPatternError(`Nonstandard IP address: ${address}`);
    if (mask > 31) throw new InvalidEventPatternError('IPv4 mask bits must be < 32');
    // 2^(32-mask) addresses per block; integer division keeps everything in exact double arithmetic.
    const size = 2 ** (32 - mask);
    const network = Math.floor(ip / size);
    return (value) => {
      const v = parseIPv4(value);
      return v >= 0 && Math.floor(v / size) === network;
    };
  }
  const groups = new Uint16Array(8);
  if (!IPV6_SHAPE.test(address) || !parseIPv6(address, groups)) {
    throw new InvalidEventPatternError(`Nonstandard IP address: ${address}`);
  }
  if (mask > 127) throw new InvalidEventPatternError('IPv6 mask bits must be < 128');
  const fullGroups = Math.floor(mask / 16);
  const partialBits = mask % 16;
  const partialMask = partialBits === 0 ? 0 : (0xffff << (16 - partialBits)) & 0xffff;
  return (value) => {
    if (value.indexOf(':') === -1 || !parseIPv6(value, scratch)) return false;
    for (let g = 0; g < fullGroups; g++) if (scratch[g] !== groups[g]) return false;
    if (partialMask !== 0) {
      const g = fullGroups;
      if (((scratch[g] as number) & partialMask) !== ((groups[g] as number) & partialMask)) return false;
    }
    return true;
  };
}

/**
 * Ruler turns an exact-match string that is an IPv6 address into a one-address range, so `"2001:db8::1"` also
 * matches `"2001:DB8:0:0:0:0:0:1"`. Returns that predicate, or null when `text` is not an IPv6 address.
 */
export function ipv6Equality(text: string): ((value: string) => boolean) | null {
  const groups = new Uint16Array(8);
  if (!IPV6_SHAPE.test(text) || !parseIPv6(text, groups)) return null;
  return (value) => {
    if (value.indexOf(':') === -1 || !parseIPv6(value, scratch)) return false;
    for (let g = 0; g < 8; g++) if (scratch[g] !== groups[g]) return false;
    return true;
  };
}
