import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { deflateRawSync } from 'node:zlib';

/** One member of a test archive. */
export interface ZipMember {
  readonly name: string;
  readonly data: string | Uint8Array;
  /** Written as a Unix symbolic link (mode 0o120777) whose target is `data`. */
  readonly symlink?: boolean;
  /** Stored (0) instead of deflated (8, the default). */
  readonly stored?: boolean;
}

const UNIX_MADE_BY = (3 << 8) | 20;

/**
 * A minimal zip writer (PKWARE APPNOTE 4.3: local headers, central directory, classic end record) so
 * tests build their fixture archives in code; CRC-32 is left 0, as the reader under test never checks it.
 */
export function writeZip(members: readonly ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const member of members) {
    const data = Buffer.from(member.data);
    const method = member.stored || member.symlink ? 0 : 8;
    const packed = method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(member.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(UNIX_MADE_BY, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((member.symlink ? 0o120777 : 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += 30 + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Every file under `dir` as a member named `prefix/relative/path`, in sorted order. */
export async function zipMembersOf(dir: string, prefix: string): Promise<ZipMember[]> {
  const names = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  return Promise.all(names.map(async (path) => ({ name: `${prefix}/${relative(dir, path).split('\\').join('/')}`, data: await readFile(path) })));
}
