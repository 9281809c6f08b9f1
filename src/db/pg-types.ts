import pg from 'pg'

const INT8 = 20

/** int8 (counts, sequence numbers) as a JS number on both PGlite and PostgreSQL. */
export const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}
