// An A2A agent built with @a2a-js/sdk, to join a swarm by its card:
//
//   node examples/a2a/translator-agent.mjs 9999              # serves its card and A2A JSON-RPC
//   npx swarm-router agents add http://127.0.0.1:9999        # the running service takes it
//
// It "translates" by echoing the text back as an artifact (no model here: the point is the
// protocol). Its card states its price with swarm-router's rate extension (docs/a2a.md).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { A2A_PROTOCOL_VERSION, AGENT_CARD_PATH, AgentCard, Extensions, TaskState } from '@a2a-js/sdk';
import {
  AgentEvent,
  DefaultRequestHandler,
  defaultServerCallContextBuilder,
  InMemoryTaskStore,
  JsonRpcTransportHandler,
  UnauthenticatedUser,
} from '@a2a-js/sdk/server';

const port = Number(process.argv[2] ?? 9999);
const base = `http://127.0.0.1:${port}`;

const card = AgentCard.fromJSON({
  name: 'Example Translator',
  description: 'Translates short texts (an example agent: it echoes them)',
  version: '1.0.0',
  supportedInterfaces: [
    { url: `${base}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: A2A_PROTOCOL_VERSION },
  ],
  capabilities: {
    streaming: false,
    extensions: [{ uri: 'urn:swarm-router:extension:rate:v1', params: { rate_sats: 20 } }],
  },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [
    {
      id: 'translate',
      name: 'Translate',
      description: 'Translates contracts, letters and release notes between languages',
      tags: ['translation', 'languages'],
      examples: ['Translate this contract into French', 'Translate the release notes into German'],
    },
  ],
});

const text = (value) => ({
  content: { $case: 'text', value },
  mediaType: 'text/plain',
  filename: '',
  metadata: undefined,
});

/** Takes the task, "works" for half a second, hands back one artifact. */
const executor = {
  async execute(context, bus) {
    const ids = { taskId: context.taskId, contextId: context.contextId, metadata: undefined };
    const task = context.userMessage.parts
      .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
      .join(' ');
    const status = (state) => ({ state, timestamp: new Date().toISOString(), message: undefined });
    bus.publish(
      AgentEvent.task({
        id: context.taskId,
        contextId: context.contextId,
        status: status(TaskState.TASK_STATE_WORKING),
        artifacts: [],
        history: [context.userMessage],
        metadata: undefined,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    bus.publish(
      AgentEvent.artifactUpdate({
        ...ids,
        append: false,
        lastChunk: true,
        artifact: {
          artifactId: randomUUID(),
          name: 'translation',
          description: '',
          metadata: undefined,
          extensions: [],
          parts: [text(`(translated) ${task}`)],
        },
      }),
    );
    bus.publish(AgentEvent.statusUpdate({ ...ids, status: status(TaskState.TASK_STATE_COMPLETED) }));
    bus.finished();
  },
  async cancelTask(taskId, bus) {
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId: '',
        status: {
          state: TaskState.TASK_STATE_CANCELED,
          timestamp: new Date().toISOString(),
          message: undefined,
        },
        metadata: undefined,
      }),
    );
    bus.finished();
  },
};

const rpc = new JsonRpcTransportHandler(new DefaultRequestHandler(card, new InMemoryTaskStore(), executor));

createServer(async (request, response) => {
  if (request.method === 'GET' && request.url === `/${AGENT_CARD_PATH}`) {
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(AgentCard.toJSON(card)));
    return;
  }
  if (request.method !== 'POST' || request.url !== '/a2a') {
    response.writeHead(404).end();
    return;
  }
  let body = '';
  for await (const chunk of request) body += chunk;
  const context = defaultServerCallContextBuilder({
    user: new UnauthenticatedUser(),
    headers: request.headers,
    requestedVersion: request.headers['a2a-version'] ?? A2A_PROTOCOL_VERSION,
    extensions: Extensions.parseServiceParameter(request.headers['a2a-extensions']),
  });
  const answer = await rpc.handle(JSON.parse(body), context);
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
}).listen(port, '127.0.0.1', () =>
  process.stdout.write(`Example Translator: card at ${base}/${AGENT_CARD_PATH}\n`),
);
