import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { deterministicZip, zipDirectory, type ZipEntry } from '../../scripts/zip.js';

const text = (s: string) => new TextEncoder().encode(s);

/** The local file headers of a zip, read from the bytes (APPNOTE 4.3.7): name, DOS time and date. */
function localHeaders(zip: Uint8Array): { name: string; time: number; date: number }[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const out: { name: string; time: number; date: number }[] = [];
  let offset = 0;
  while (view.getUint32(offset, true) === 0x04034b50) {
    const compressed = view.getUint32(offset + 18, true);
    const nameLength = view.getUint16(offset + 26, true);
    const extraLength = view.getUint16(offset + 28, true);
    const name = new TextDecoder().decode(zip.subarray(offset + 30, offset + 30 + nameLength));
    out.push({ name, time: view.getUint16(offset + 10, true), date: view.getUint16(offset + 12, true) });
    offset += 30 + nameLength + extraLength + compressed;
  }
  return out;
}

/** The external attributes of every central directory entry (APPNOTE 4.3.12), by name. */
function externalAttributes(zip: Uint8Array): Record<string, number> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const out: Record<string, number> = {};
  for (let offset = 0; offset + 46 <= zip.length; offset++) {
    if (view.getUint32(offset, true) !== 0x02014b50) continue;
    const nameLength = view.getUint16(offset + 28, true);
    const name = new TextDecoder().decode(zip.subarray(offset + 46, offset + 46 + nameLength));
    out[name] = view.getUint32(offset + 38, true);
  }
  return out;
}

describe('Build: deterministic zip files', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('gives byte-identical zips for the same files, whatever their order and modification times', () => {
    // Prepare: the same content written twice, in a different order, with different mtimes on disk
    const files: [string, string][] = [
      ['index.mjs', 'export const handler = async () => 1;\n'],
      ['index.mjs.map', '{"version":3}\n'],
      ['lib/a.mjs', 'export default 2;\n'],
    ];
    const write = (order: [string, string][], mtime: Date) => {
      const dir = mkdtempSync(join(tmpdir(), 'cordon-zip-'));
      dirs.push(dir);
      mkdirSync(join(dir, 'lib'));
      for (const [name, content] of order) {
        writeFileSync(join(dir, name), content);
        utimesSync(join(dir, name), mtime, mtime);
      }
      return dir;
    };
    const first = write(files, new Date('2020-03-04T05:06:07Z'));
    const second = write([...files].reverse(), new Date('2031-12-31T23:59:58Z'));

    // Act
    dirs.push(`${first}.zip`, `${second}.zip`);
    const a = zipDirectory(first, `${first}.zip`);
    const b = zipDirectory(second, `${second}.zip`);

    // Assess: identical bytes on disk, entries sorted, fixed DOS time 00:00 and date 1980-01-01 (0x0021)
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(readFileSync(`${first}.zip`).equals(readFileSync(`${second}.zip`))).toBe(true);
    expect(localHeaders(a)).toEqual([
      { name: 'index.mjs', time: 0, date: 0x0021 },
      { name: 'index.mjs.map', time: 0, date: 0x0021 },
      { name: 'lib/a.mjs', time: 0, date: 0x0021 },
    ]);
    // Unix regular file, rw-r--r--: Lambda must be able to read every file.
    for (const attrs of Object.values(externalAttributes(a)))
      expect((attrs >>> 16).toString(8)).toBe('100644');
    const unzipped = unzipSync(a);
    expect(
      Object.fromEntries(Object.entries(unzipped).map(([k, v]) => [k, new TextDecoder().decode(v)])),
    ).toEqual(Object.fromEntries(files));
  });

  it('does not depend on the time zone of the machine that builds', () => {
    // Prepare
    const entries: ZipEntry[] = [{ name: 'index.mjs', data: text('x') }];
    const saved = process.env['TZ'];

    try {
      // Act: Node applies a change of TZ to the date getters fflate uses.
      process.env['TZ'] = 'Pacific/Kiritimati';
      const east = deterministicZip(entries);
      process.env['TZ'] = 'Pacific/Pago_Pago';
      const west = deterministicZip(entries);

      // Assess
      expect(Buffer.from(east).equals(Buffer.from(west))).toBe(true);
      expect(localHeaders(east)).toEqual([{ name: 'index.mjs', time: 0, date: 0x0021 }]);
    } finally {
      if (saved === undefined) delete process.env['TZ'];
      else process.env['TZ'] = saved;
    }
  });

  it('changes when a file changes, and refuses duplicate or escaping names', () => {
    // Prepare
    const base: ZipEntry[] = [{ name: 'index.mjs', data: text('a') }];

    // Act
    const changed = deterministicZip([{ name: 'index.mjs', data: text('b') }]);

    // Assess
    expect(Buffer.from(deterministicZip(base)).equals(Buffer.from(changed))).toBe(false);
    expect(() => deterministicZip([...base, ...base])).toThrow(/given twice/);
    expect(() => deterministicZip([{ name: '../index.mjs', data: text('a') }])).toThrow(/relative/);
    expect(() => deterministicZip([{ name: '/index.mjs', data: text('a') }])).toThrow(/relative/);
  });
});
