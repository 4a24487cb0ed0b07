import { spawn } from 'node:child_process';

/**
 * Nothing the server started outlives it, however it ends. The server's pid is in the environment
 * of every process it starts (EOLAB_OWNER_PID, set by main.ts): task processes, PostgreSQL and its
 * workers. A process carrying the pid of a server that is gone is an orphan:
 * - a watchdog (a small detached process, started with the first real run) waits for the server to
 *   go, by SIGKILL too, and then ends its orphans at once;
 * - every start ends the orphans of servers that are gone (the watchdog itself may have been killed).
 * PostgreSQL gets SIGQUIT first (its immediate shutdown, which removes its shared memory); whatever
 * is left a few seconds later, a SIGSTOPped task process included, gets SIGKILL. Data directories
 * of gone servers (eolab-pg-* naming them in eolab-owner.pid) are removed too.
 *
 * The sweep is plain JavaScript run with `node -` (the source on stdin): the watchdog must not load the server's
 * modules (or tsx), and the compiled server has no separate file to point it at.
 */
const SWEEP_SOURCE = String.raw`
const fs = require('fs');
const path = require('path');
const os = require('os');
const [mode, ownerArg] = process.argv.slice(2);
const alive = (pid) => {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
};
const read = (file) => { try { return fs.readFileSync(file, 'latin1'); } catch { return null; } };
/** Live processes carrying EOLAB_OWNER_PID of a server that is gone (or of the one given). */
function orphans(owner) {
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const stat = read('/proc/' + entry + '/stat');
    if (stat === null || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
    const match = /(?:^|\0)EOLAB_OWNER_PID=(\d+)\0/.exec(read('/proc/' + entry + '/environ') || '');
    if (match === null) continue;
    const pid = Number(match[1]);
    if (owner !== undefined ? pid === owner : !alive(pid))
      found.push({ pid: Number(entry), comm: (read('/proc/' + entry + '/comm') || '').trim() });
  }
  return found;
}
function signal(pid, name) { try { process.kill(pid, name); } catch {} }
/** Data directories of PostgreSQL servers whose owner is gone (or is the one given), with their postmaster. */
function dataDirs(owner) {
  let entries = [];
  try { entries = fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('eolab-pg-')); } catch {}
  const found = [];
  for (const entry of entries) {
    const dir = path.join(os.tmpdir(), entry);
    const pid = Number((read(path.join(dir, 'eolab-owner.pid')) || '').trim());
    if (!(pid > 0) || (owner !== undefined ? pid !== owner : alive(pid))) continue;
    const postmaster = Number((read(path.join(dir, 'postmaster.pid')) || '').split('\n')[0]);
    // The pid file may be stale and its pid reused: only a postgres of this directory is ours.
    const ours = postmaster > 0 && (read('/proc/' + postmaster + '/cmdline') || '').includes(dir);
    found.push({ dir, postmaster: ours ? postmaster : null });
  }
  return found;
}
// PostgreSQL writes its status over its environment (ps display), so its workers are found through
// the postmaster of each data directory: they exit when it does.
async function sweep(owner) {
  const first = orphans(owner);
  const dirs = dataDirs(owner);
  for (const p of first) signal(p.pid, p.comm.startsWith('postgres') ? 'SIGQUIT' : 'SIGKILL');
  for (const d of dirs) if (d.postmaster !== null) signal(d.postmaster, 'SIGQUIT');
  const left = () => [...orphans(owner).map((p) => p.pid), ...dirs.filter((d) => d.postmaster !== null && alive(d.postmaster)).map((d) => d.postmaster)];
  const deadline = Date.now() + 3000;
  while (left().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of left()) signal(pid, 'SIGKILL');
  for (const d of dirs) try { fs.rmSync(d.dir, { recursive: true, force: true }); } catch {}
  const ended = first.length + dirs.filter((d) => d.postmaster !== null).length;
  if (ended > 0) console.error('eolab-server: ended ' + ended + ' processes and ' + dirs.length + ' PostgreSQL data directories a stopped server left');
}
if (mode === 'watch') {
  const owner = Number(ownerArg);
  const timer = setInterval(() => {
    if (alive(owner)) return;
    clearInterval(timer);
    sweep(owner).then(() => process.exit(0));
  }, 250);
} else {
  sweep(undefined).then(() => process.exit(0));
}
`;

function runSweep(args: string[], detached: boolean): void {
  const env = { ...process.env };
  // The sweeper is not one of the server's processes: it must not find (and end) itself.
  delete env.EOLAB_OWNER_PID;
  // The script comes on stdin (`node -`): `ps` shows `node - watch <pid>`, not the source.
  const child = spawn(process.execPath, ['-', ...args], {
    env,
    detached,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  child.on('error', () => {});
  child.stdin?.on('error', () => {});
  child.stdin?.end(SWEEP_SOURCE);
  child.unref();
}

/** Ends what servers that are gone left behind (at start; in the background). */
export function sweepOrphans(): void {
  if (process.platform !== 'linux') return;
  runSweep(['sweep'], false);
}

let watching = false;

/** Starts the watchdog once, when this process is a server that tags its children (main.ts). */
export function startWatchdog(): void {
  if (watching || process.platform !== 'linux') return;
  if (process.env.EOLAB_OWNER_PID !== String(process.pid)) return;
  watching = true;
  // Detached: a kill of the server's process group leaves the watchdog to clean up after it.
  runSweep(['watch', String(process.pid)], true);
}
