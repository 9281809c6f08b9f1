import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DataDirInUse, LOCK_FILE, lockDataDir } from './data-dir-lock.js'

const root = mkdtempSync(join(tmpdir(), 'tessera-lock-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A new data folder under the test's temporary root. */
function folder(name: string): string {
  const dir = join(root, name)
  mkdirSync(dir)
  return dir
}
const lockOf = (dir: string) => join(dir, LOCK_FILE)

/** A process id that was alive a moment ago and is not now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(child.stdout.toString())
}

describe('the PGlite data folder is one process’s', () => {
  it('held once: a second open in this process is refused until the first lets go', () => {
    const dir = folder('once')
    const release = lockDataDir(dir)
    expect(readFileSync(lockOf(dir), 'utf8').trim()).toBe(String(process.pid))
    expect(() => lockDataDir(dir)).toThrow(DataDirInUse)
    release()
    expect(existsSync(lockOf(dir))).toBe(false)
    lockDataDir(dir)()
  })

  it('refused while another live process holds it, naming that process', () => {
    const dir = folder('live')
    writeFileSync(lockOf(dir), `${process.ppid}\n`)
    expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by process ${process.ppid}`))
    expect(readFileSync(lockOf(dir), 'utf8').trim()).toBe(String(process.ppid))
  })

  it('taken over from a process that is gone, or from an earlier run with our id', () => {
    for (const [name, holder] of [
      ['dead', deadPid()],
      ['reused', process.pid],
      ['garbage', Number.NaN],
    ] as const) {
      const dir = folder(name)
      writeFileSync(lockOf(dir), `${holder}\n`)
      const release = lockDataDir(dir)
      expect(readFileSync(lockOf(dir), 'utf8').trim()).toBe(String(process.pid))
      release()
    }
  })
})
