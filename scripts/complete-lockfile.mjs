// Adds lockfile entries for platform-specific optional packages that npm left out.
//
// Packages such as @biomejs/biome, esbuild and rollup ship one optional package per platform. When the registry in
// use serves only some platforms' builds, npm writes a lockfile without the others, and `npm ci` then refuses that
// lockfile as out of sync. This script records the missing ones (version, os, cpu, libc from their names, marked
// optional), so `npm ci` accepts the lockfile and skips them on platforms they are not for; on their own platform npm
// fetches them by version as usual. Run it after changing dependencies: `npm install && node scripts/complete-lockfile.mjs`.
import fs from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;

const osNames = ['aix', 'android', 'darwin', 'freebsd', 'linux', 'netbsd', 'openbsd', 'openharmony', 'sunos', 'win32', 'cygwin'];
const cpuNames = ['arm64', 'arm', 'x64', 'ia32', 'loong64', 'mips64el', 'ppc64', 'riscv64', 's390x', 'wasm32', 'mips', 'ppc'];

/** Reads os, cpu and libc from a platform package name such as cli-linux-x64-musl or rollup-darwin-arm64. */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => osNames.includes(p)) ?? (parts.includes('win32') ? 'win32' : undefined);
  const cpu = parts.find((p) => cpuNames.includes(p)) ?? (parts.includes('armv7') || parts.includes('arm') ? 'arm' : parts.includes('ppc64le') ? 'ppc64' : undefined);
  const libc = parts.includes('musl') ? 'musl' : parts.includes('gnu') || parts.includes('gnueabihf') ? 'glibc' : undefined;
  return { os, cpu, libc };
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = location === '' ? 'node_modules' : `${location}/node_modules`;
    const candidates = [`${base}/${dep}`, `node_modules/${dep}`];
    if (candidates.some((c) => packages[c])) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os && !cpu) continue; // not a platform package: leave it to npm
    const version = range.replace(/^[\^~=]/, '');
    packages[`node_modules/${dep}`] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...(os ? { os: [os] } : {}),
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(libc ? { libc: [libc] } : {}),
    };
    added += 1;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: recorded ${added} platform package(s) npm had left out`);
