import pg from 'pg'

/** Runs one statement on the server of `url`, from its database or, if that is missing, `postgres`. */
export async function adminQuery(url: string, text: string): Promise<void> {
  try {
    await queryOnce(url, text)
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error
    const fallback = new URL(url)
    fallback.pathname = '/postgres'
    await queryOnce(fallback.toString(), text)
  }
}

async function queryOnce(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}
