import type { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'

/**
 * Sends an export's CSV stream as a download. When the client goes away before the end, the
 * stream is destroyed, so the export stops reading, ends its transaction and records the abort
 * (a stream nobody reads would otherwise hold its transaction open for ever).
 */
export function sendCsv(reply: FastifyReply, csv: Readable, filename: string): FastifyReply {
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) csv.destroy()
  })
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(csv)
}
