import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'

/** The data folders this process holds now (a process id alone cannot tell a reused one). */
const held = new Set<string>()

export class DataDirInUse extends Error {}

export const LOCK_FILE = 'tessera.lock'

/**
 * PGlite takes no lock on its data folder (0.5: the postmaster.pid it writes holds no real process
 * id), so a second process opening the same folder (a second server, `tessera policy-import`
 * beside a running server) would succeed, both would write, and the folder would be ruined; and
 * the server keeps the company counters in memory on PGlite (db/local-epoch.ts), which is exact
 * only while no other process writes. So `<dir>/tessera.lock` holds the id of the process that
 * opened the folder (which must exist), created exclusively before PGlite opens it: a second opener
 * while that process lives is refused, naming it; a lock left by a process that is gone (killed,
 * crashed) is taken over. Returns the release, also run at the process's exit.
 */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, LOCK_FILE)
  if (held.has(file))
    throw new DataDirInUse(`the data folder ${dir} is already open in this process`)
  for (let attempt = 0; ; attempt += 1) {
    let fd: number
    try {
      fd = openSync(file, 'wx')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error
      const holder = Number.parseInt(readQuietly(file), 10)
      if (holder > 0 && holder !== process.pid && alive(holder)) {
        throw new DataDirInUse(
          `the data folder ${dir} is in use by process ${holder} (${file}); ` +
            'stop it first, or use PostgreSQL for several processes',
        )
      }
      unlinkQuietly(file) // the process that held it is gone
      continue
    }
    try {
      writeSync(fd, `${process.pid}\n`)
    } finally {
      closeSync(fd)
    }
    held.add(file)
    const release = () => {
      if (!held.delete(file)) return
      process.off('exit', release)
      unlinkQuietly(file)
    }
    process.on('exit', release)
    return release
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, under another user
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readQuietly(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file)
  } catch {
    // already gone
  }
}
