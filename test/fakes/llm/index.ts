/** The fake LLM server (OpenAI and Anthropic wire formats, driven by a script): see README.md. */
export * from './script.js';
export * from './server.js';
export { openAiCompletion, openAiStream, openAiError } from './openai.js';
export { anthropicMessage, anthropicStream, anthropicError } from './anthropic.js';
