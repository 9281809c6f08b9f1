import { loadConfig } from './config.js'
import { AppError } from './errors.js'
import { serve, StartupError } from './serve.js'

try {
  await serve(loadConfig(), { demo: process.argv.includes('--demo') })
} catch (error) {
  // A mistake in the environment or a taken port is one line to act on; anything else keeps its stack.
  if (error instanceof StartupError || error instanceof AppError) {
    console.error(`tessera: cannot start: ${error.message}`)
  } else {
    console.error('tessera: cannot start:', error)
  }
  process.exit(1)
}
