// Injected file-system faults for the CLI under test, used only where the OS cannot give a real
// full or read-only file system (no permission to mount a tmpfs). Loaded with
// NODE_OPTIONS=--require; every write that creates or changes a file below TML_FAULT_DIR fails with
// TML_FAULT_ERRNO (ENOSPC or EROFS), the way the kernel would: ENOSPC once bytes are written
// (creating an empty file still works), EROFS on any open for writing.
const fs = require('node:fs');
const path = require('node:path');
const { syncBuiltinESMExports } = require('node:module');

const dir = process.env.TML_FAULT_DIR && path.resolve(process.env.TML_FAULT_DIR);
const errno = process.env.TML_FAULT_ERRNO || 'ENOSPC';
if (dir) {
  const inside = (p) => typeof p === 'string' && (path.resolve(p) + '/').startsWith(dir + '/');
  const fdPaths = new Map();
  const fail = (syscall, p) => {
    const e = new Error(
      `${errno}: ${errno === 'ENOSPC' ? 'no space left on device' : 'read-only file system'}, ${syscall} '${p}'`,
    );
    Object.assign(e, { code: errno, errno: errno === 'ENOSPC' ? -28 : -30, syscall, path: p });
    return e;
  };
  const writing = (flags) => typeof flags === 'string' && /[wa+]/.test(flags);
  const { openSync, writeSync, writeFileSync, closeSync, mkdirSync, renameSync } = fs;
  fs.openSync = function (p, flags, ...rest) {
    if (inside(p) && errno === 'EROFS' && writing(flags)) throw fail('open', p);
    const fd = openSync.call(this, p, flags, ...rest);
    if (inside(p)) fdPaths.set(fd, p);
    return fd;
  };
  fs.closeSync = function (fd) {
    fdPaths.delete(fd);
    return closeSync.call(this, fd);
  };
  fs.writeSync = function (fd, ...rest) {
    if (fdPaths.has(fd)) throw fail('write', fdPaths.get(fd));
    return writeSync.call(this, fd, ...rest);
  };
  fs.writeFileSync = function (p, ...rest) {
    if (inside(p)) throw fail(errno === 'EROFS' ? 'open' : 'write', p);
    return writeFileSync.call(this, p, ...rest);
  };
  fs.mkdirSync = function (p, ...rest) {
    if (inside(p) && errno === 'EROFS' && !fs.existsSync(p)) throw fail('mkdir', p);
    return mkdirSync.call(this, p, ...rest);
  };
  fs.renameSync = function (from, to) {
    if (inside(to) && errno === 'EROFS') throw fail('rename', to);
    return renameSync.call(this, from, to);
  };
  syncBuiltinESMExports();
}
