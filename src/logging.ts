import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/**
 * Request logging: one line per request (method, url, status, time), written when the answer is
 * sent, instead of Fastify's two ("incoming request" then "request completed"), for a share of
 * requests (`LOG_REQUESTS`: 1 = all, 0 = none, or a sample such as 0.01). A request that errored
 * is always logged. As JSON (one object a line) for log collectors, or as a short readable line
 * on a terminal (prettyLines).
 */
export class OneLinePerRequest extends LogController {
  constructor(private readonly rate = 1) {
    super()
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return
    if (!error && (this.rate <= 0 || (this.rate < 1 && Math.random() >= this.rate))) return
    const line = {
      req: { method: request.method, url: request.url },
      res: { statusCode: reply.statusCode },
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
    }
    if (error) reply.log.error({ ...line, err: error }, 'request errored')
    else reply.log.info(line, 'request')
  }
}

const levelNames: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
}

const shown = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'req', 'res', 'err'])

/** One pino JSON line as a line for people: `14:05:09 INFO  GET /api/v1/me 200 3.1 ms`. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(json) as Record<string, unknown>
  } catch {
    return json.trimEnd()
  }
  const time = new Date(typeof entry['time'] === 'number' ? entry['time'] : Date.now())
  const clock = time.toTimeString().slice(0, 8)
  const level = levelNames[entry['level'] as number] ?? String(entry['level'])
  const req = entry['req'] as { method?: string; url?: string } | undefined
  const res = entry['res'] as { statusCode?: number } | undefined
  let text: string
  if (req?.method !== undefined && res?.statusCode !== undefined) {
    text = `${req.method} ${req.url ?? ''} ${res.statusCode} ${String(entry['responseTime'] ?? '?')} ms`
    if (entry['msg'] !== 'request') text += ` (${String(entry['msg'])})`
  } else {
    text = String(entry['msg'] ?? '')
  }
  const extra = Object.fromEntries(
    Object.entries(entry).filter(([k]) => !shown.has(k) && k !== 'responseTime'),
  )
  if (Object.keys(extra).length > 0) text += ` ${JSON.stringify(extra)}`
  const err = entry['err'] as { stack?: string; message?: string } | undefined
  if (err) text += `\n${err.stack ?? err.message ?? JSON.stringify(err)}`
  return `${clock} ${level} ${text}`
}

/** A pino destination that writes prettyLine() of each JSON line to `out`. */
export function prettyLines(out: NodeJS.WritableStream): { write(chunk: string): void } {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n'))
        if (line.trim() !== '') out.write(`${prettyLine(line)}\n`)
    },
  }
}

/** Where batchedLines() writes: process.stdout, or anything with a synchronous-enough write. */
export interface LineSink {
  write(text: string): unknown
}

export interface BatchedLines {
  /** pino's destination interface: one or more whole lines. */
  write(chunk: string): void
  /** Writes what is held now. */
  flush(): void
  /** Stops the timer and the exit hook, after writing what is held. */
  close(): void
}

/** pino writes `{"level":50` (error) and `{"level":60` (fatal) first on a JSON line. */
const URGENT = /^\{"level":[56]\d[,}]/

/**
 * Request logs in batches: pino hands over one line per request, and writing each at once costs
 * a system call per request (on a busy server a tenth of its CPU). Lines are held until
 * `maxBytes` have gathered or `maxDelayMs` has passed, then written in one call, whole and in
 * order. An error or fatal line is written at once, with everything before it, and so is
 * whatever is held when the process exits (process.stdout writes files and pipes synchronously
 * on Linux, so the exit hook's write completes). Only a process killed outright (SIGKILL) loses
 * what it held: at most `maxDelayMs` of lines.
 */
export function batchedLines(
  out: LineSink,
  options: { maxBytes?: number; maxDelayMs?: number } = {},
): BatchedLines {
  const maxBytes = options.maxBytes ?? 16_384
  const maxDelayMs = options.maxDelayMs ?? 200
  let held: string[] = []
  let size = 0
  let timer: NodeJS.Timeout | undefined
  const flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
    if (held.length === 0) return
    const text = held.length === 1 ? (held[0] as string) : held.join('')
    held = []
    size = 0
    out.write(text)
  }
  const onExit = () => flush()
  process.on('exit', onExit)
  return {
    write(chunk: string) {
      held.push(chunk)
      size += chunk.length
      if (size >= maxBytes || URGENT.test(chunk)) flush()
      else if (timer === undefined) {
        timer = setTimeout(flush, maxDelayMs)
        timer.unref()
      }
    },
    flush,
    close() {
      flush()
      process.off('exit', onExit)
    },
  }
}
