// Address spellings accepted in scenario files and lab folders. Strict: "10.0.0.010" or
// "10.0.0.256" are errors, so a typo is reported where it was written rather than routed oddly.

const DOTTED = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

export function parseIpv4Strict(text: string): number | undefined {
  const m = DOTTED.exec(text);
  if (!m) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    v = v * 256 + octet;
  }
  return v >>> 0;
}

export function formatIpv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

export function maskOfPrefix(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** "255.255.255.0" -> 24; undefined for a non-contiguous mask. */
export function prefixOfMask(text: string): number | undefined {
  const m = parseIpv4Strict(text);
  if (m === undefined) return undefined;
  for (let len = 0; len <= 32; len++) if (maskOfPrefix(len) === m) return len;
  return undefined;
}

export interface Cidr {
  addr: number;
  prefixLen: number;
}

/** "10.0.0.10/24" (a host address with its prefix) -> { addr, prefixLen }. */
export function parseCidrStrict(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIpv4Strict(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (addr === undefined || !/^(0|[1-9][0-9]?)$/.test(lenText)) return undefined;
  const prefixLen = Number(lenText);
  if (prefixLen > 32) return undefined;
  return { addr, prefixLen };
}

export function cidrToString(c: Cidr): string {
  return `${formatIpv4(c.addr)}/${c.prefixLen}`;
}

export function sameSubnet(a: number, b: number, prefixLen: number): boolean {
  const m = maskOfPrefix(prefixLen);
  return ((a & m) >>> 0) === ((b & m) >>> 0);
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

export function isMac(text: string): boolean {
  return MAC.test(text);
}

/** Netkit/Kathará give each interface a MAC derived from the host; lbsim uses the reference's
 *  rule instead (02:00 followed by the IPv4 address in hex), so captures line up with it. */
export function macForIpv4(addr: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `02:00:${hex((addr >>> 24) & 255)}:${hex((addr >>> 16) & 255)}:${hex((addr >>> 8) & 255)}:${hex(addr & 255)}`;
}
