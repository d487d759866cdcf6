// NBD URIs (the NBD project's doc/uri.md): nbd://host[:port]/export, nbd+unix:///export?socket=PATH,
// as nbdinfo, nbdcopy and qemu take them; and the URI of a tsvm export.

export interface NbdAddress {
  socket?: string;
  host?: string;
  port?: number;
  exportName?: string;
}

export function parseNbdUri(text: string): NbdAddress {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`Invalid NBD URI ${text}.`);
  }
  const exportName = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (u.protocol === 'nbd+unix:') {
    const socket = u.searchParams.get('socket');
    if (!socket) throw new Error(`NBD URI ${text} has no socket parameter.`);
    return { socket, exportName };
  }
  if (u.protocol === 'nbd:') return { host: u.hostname || 'localhost', port: u.port ? Number(u.port) : 10809, exportName };
  throw new Error(`Unsupported NBD URI scheme ${u.protocol} in ${text}.`);
}

export function unixUri(socket: string, exportName: string): string {
  return `nbd+unix:///${exportName}?socket=${socket}`;
}
