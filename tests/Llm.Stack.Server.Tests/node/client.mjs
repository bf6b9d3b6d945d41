// Runs the official openai npm client against an OpenAI-compatible server and prints what it observed as JSON.
// Usage: node client.mjs <baseURL ending in /v1> <chat model> <embedding model>
import OpenAI from 'openai';

const [baseURL, chatModel, embeddingModel] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
const messages = [{ role: 'user', content: 'Say hello.' }];
const result = {};

async function error(call) {
  try {
    await call();
    return { thrown: false };
  } catch (e) {
    return { thrown: true, name: e?.constructor?.name, status: e?.status, code: e?.code ?? null, param: e?.param ?? null, type: e?.type ?? null };
  }
}

const completion = await client.chat.completions.create({ model: chatModel, messages, max_tokens: 50, temperature: 0.2, seed: 1 });
result.completion = { content: completion.choices[0].message.content, finish: completion.choices[0].finish_reason, usage: completion.usage };

// chat.completions.stream(...).finalChatCompletion() needs delta.role on the first chunk.
const runner = client.chat.completions.stream({ model: chatModel, messages, stream_options: { include_usage: true } });
let deltas = '';
runner.on('content', (delta) => { deltas += delta; });
const final = await runner.finalChatCompletion();
result.stream = { content: final.choices[0].message.content, role: final.choices[0].message.role, finish: final.choices[0].finish_reason, deltas, usage: final.usage ?? null };

const chunks = [];
for await (const chunk of await client.chat.completions.create({ model: chatModel, messages, stream: true, stream_options: { include_usage: true } })) {
  chunks.push(chunk);
}
result.chunks = { count: chunks.length, firstRole: chunks[0]?.choices[0]?.delta?.role ?? null, lastUsage: chunks.at(-1)?.usage ?? null, lastChoices: chunks.at(-1)?.choices.length };

result.unknownModel = await error(() => client.chat.completions.create({ model: 'gpt-4o', messages }));
result.twoChoices = await error(() => client.chat.completions.create({ model: chatModel, messages, n: 2 }));
result.tools = await error(() => client.chat.completions.create({ model: chatModel, messages, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] }));
result.systemOnly = await error(() => client.chat.completions.create({ model: chatModel, messages: [{ role: 'system', content: 'Be terse.' }] }));

const models = await client.models.list();
result.models = models.data.map((m) => ({ id: m.id, created: m.created }));

// The npm client asks for base64 by default and decodes it; float is asked for explicitly.
const embedded = await client.embeddings.create({ model: embeddingModel, input: ['a volcano', 'bread'] });
const floats = await client.embeddings.create({ model: embeddingModel, input: 'bread', encoding_format: 'float' });
result.embeddings = { vectors: embedded.data.map((d) => Array.from(d.embedding)), float: floats.data[0].embedding, usage: embedded.usage };

console.log(JSON.stringify(result));
