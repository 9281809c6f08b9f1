import { loadConfig } from './config.js'
import { serve } from './serve.js'

await serve(loadConfig(), { demo: process.argv.includes('--demo') })
