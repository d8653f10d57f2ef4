// The dashboard: plain ES modules, no build step. It talks to the service's HTTP API only.
const $ = (id) => document.getElementById(id);
const COLOURS = ['#5fb3f9', '#4cc38a', '#f0b43c', '#c38cf5', '#ef6b6b', '#7fd6d0'];
const MAX_FEED = 200;
const MAX_TASKS = 100;

const state = { tasks: new Map(), selected: null, lastEventId: null };

const tokenInput = $('token');
tokenInput.value = localStorage.getItem('swarm-router-token') ?? '';
tokenInput.addEventListener('change', () => {
  localStorage.setItem('swarm-router-token', tokenInput.value);
  refreshAgents();
});
const headers = (extra = {}) =>
  tokenInput.value === '' ? extra : { ...extra, authorization: `Bearer ${tokenInput.value}` };

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    // State-changing calls say JSON even without a body: the service refuses them otherwise.
    headers: headers(method === 'GET' ? {} : { 'content-type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.error?.message ?? `HTTP ${response.status}`);
  return json;
}

const text = (tag, content, className) => {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className) el.className = className;
  return el;
};
const pct = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 100)}%`);

// ---- agents ---------------------------------------------------------------------------------
// The service may hold thousands of agents: the table shows one page of those the search matches,
// and the top agents come from the log's counters; neither reads the whole roster.
const AGENTS_SHOWN = 20;
const TOP_SHOWN = 10;
const agentSearch = $('agent-search');
let searchTimer;
agentSearch.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(refreshAgents, 250);
});

async function refreshAgents() {
  await Promise.all([refreshAgentTable(), refreshTopAgents()]);
}

async function refreshAgentTable() {
  try {
    const query = new URLSearchParams({ limit: String(AGENTS_SHOWN) });
    if (agentSearch.value.trim() !== '') query.set('q', agentSearch.value.trim());
    const { agents, total } = await api('GET', `/v1/agents?${query}`);
    const rows = await Promise.all(
      agents.map(async (a) => {
        const stats = await api('GET', `/v1/agents/${encodeURIComponent(a.agent_id)}/stats`).catch(
          () => ({}),
        );
        return { agent: a, stats };
      }),
    );
    $('agents-count').textContent =
      total > agents.length
        ? `first ${agents.length} of ${total} by id`
        : `${total} agent${total === 1 ? '' : 's'}`;
    $('agents-body').replaceChildren(
      ...rows.map(({ agent, stats }) => {
        const tr = document.createElement('tr');
        tr.dataset.agent = agent.agent_id;
        tr.append(
          text('td', agent.agent_id),
          text('td', agent.status, agent.status),
          text('td', String(stats.current_load ?? 0)),
          text('td', String(stats.tasks_won ?? 0)),
          text('td', pct(stats.win_rate)),
          text('td', pct(stats.success_rate)),
        );
        return tr;
      }),
    );
  } catch (error) {
    $('agents-body').replaceChildren(text('tr', String(error.message ?? error)));
  }
}

async function refreshTopAgents() {
  try {
    const { agents } = await api('GET', `/v1/stats?limit=${TOP_SHOWN}`);
    $('top-body').replaceChildren(
      ...agents.map((s) => {
        const tr = document.createElement('tr');
        tr.dataset.agent = s.agent_id;
        tr.append(
          text('td', s.agent_id),
          text('td', String(s.tasks_won)),
          text('td', String(s.bids)),
          text('td', pct(s.win_rate)),
        );
        return tr;
      }),
    );
  } catch (error) {
    $('top-body').replaceChildren(text('tr', String(error.message ?? error)));
  }
}

// ---- tasks and the decision detail ------------------------------------------------------------
function upsertTask(taskId, fields) {
  const task = {
    ...(state.tasks.get(taskId) ?? { task_id: taskId, description: '', status: 'open' }),
    ...fields,
  };
  state.tasks.delete(taskId);
  state.tasks.set(taskId, task);
  while (state.tasks.size > MAX_TASKS) state.tasks.delete(state.tasks.keys().next().value);
  renderTasks();
  if (state.selected === taskId && fields.status !== undefined && fields.status !== 'open')
    showDecision(taskId);
}

function renderTasks() {
  const list = $('tasks');
  const items = [...state.tasks.values()].reverse().map((task) => {
    const li = document.createElement('li');
    li.dataset.taskId = task.task_id;
    li.dataset.status = task.status;
    if (task.task_id === state.selected) li.className = 'selected';
    li.append(
      text('span', task.status, `status ${task.status}`),
      text('span', task.description || task.task_id, 'desc'),
      text('span', task.assigned_agent ?? '', 'muted'),
    );
    li.addEventListener('click', () => {
      state.selected = task.task_id;
      renderTasks();
      showDecision(task.task_id);
    });
    return li;
  });
  list.replaceChildren(...items);
}

async function showDecision(taskId) {
  const detail = $('detail');
  try {
    const { task, decision, result } = await api('GET', `/v1/tasks/${encodeURIComponent(taskId)}`);
    detail.className = '';
    detail.dataset.taskId = taskId;
    if (decision === null) {
      detail.replaceChildren(
        text('p', `${task.description} — bidding (${task.bids.length} bids so far)`, 'muted'),
      );
      return;
    }
    const signals = decision.policy.signals.map((s) => s.name);
    const chart = document.createElement('div');
    chart.className = 'chart';
    chart.dataset.testid = 'breakdown';
    for (const candidate of decision.breakdown) {
      const bar = document.createElement('div');
      bar.className = 'bar';
      candidate.signals.forEach((s, i) => {
        const seg = document.createElement('div');
        seg.className = 'seg';
        seg.style.width = `${Math.max(0, s.contribution) * 100}%`;
        seg.style.background = COLOURS[i % COLOURS.length];
        seg.title = `${s.signal}: ${s.value.toFixed(3)} × ${s.weight} = ${s.contribution.toFixed(3)}`;
        bar.append(seg);
      });
      const row = [
        text('span', `${candidate.rank}. ${candidate.agent_id}`, 'name'),
        bar,
        text('span', candidate.combined.toFixed(3)),
      ];
      row[0].dataset.candidate = candidate.agent_id;
      chart.append(...row);
      if (candidate.rejection)
        chart.append(
          text('span', ''),
          text('span', `refused: ${singularReason(candidate.rejection)}`, 'refused'),
        );
    }
    const legend = document.createElement('div');
    legend.className = 'legend';
    signals.forEach((name, i) => {
      const item = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.style.background = COLOURS[i % COLOURS.length];
      item.append(swatch, name);
      legend.append(item);
    });
    // No winner: the reason is the whole answer (which capability nobody declares, why every bid was
    // refused), so it stands out; without bids there is no chart to draw.
    const reason = text(
      'p',
      decision.selection_reason,
      decision.selected_agent === null ? 'reason none' : 'reason',
    );
    reason.dataset.testid = 'decision-reason';
    // Present only when the scorer estimates it: how likely the selected agent is the right one.
    const confidence = [];
    if (typeof decision.confidence === 'number') {
      const sure = `confidence ${pct(decision.confidence)} that ${decision.selected_agent} is the right agent`;
      confidence.push(text('p', sure, 'muted'));
      confidence[0].dataset.testid = 'decision-confidence';
    }
    detail.replaceChildren(
      text('p', task.description),
      reason,
      ...confidence,
      ...(decision.breakdown.length > 0 ? [chart, legend] : []),
      text(
        'p',
        `task ${task.task_id} · ${task.status}${task.assigned_agent ? ` · ${task.assigned_agent}` : ''} · decision #${decision.seq}`,
        'muted',
      ),
      ...(task.status === 'completed' || task.status === 'failed' ? resultOf(result) : []),
    );
  } catch (error) {
    detail.replaceChildren(text('p', String(error.message ?? error), 'muted'));
  }
}

/**
 * What the agent handed back with its outcome: an A2A agent's artifacts part by part (a text part as
 * text, any other part as JSON), any other result as JSON. The box scrolls: a result may be 64 KiB.
 */
function resultOf(result) {
  const box = document.createElement('div');
  box.className = 'result';
  box.dataset.testid = 'task-result';
  const isArtifacts =
    result !== null &&
    Array.isArray(result.artifacts) &&
    result.artifacts.every((a) => a !== null && typeof a === 'object' && Array.isArray(a.parts));
  if (result === null) {
    box.append(text('p', 'No result: the agent handed nothing back with its outcome.', 'muted'));
  } else if (isArtifacts) {
    for (const artifact of result.artifacts) {
      box.append(text('p', String(artifact.name || artifact.artifact_id || 'artifact'), 'artifact'));
      for (const part of artifact.parts)
        box.append(typeof part?.text === 'string' ? text('p', part.text, 'part') : json(part));
    }
    if (result.artifacts.length === 0) box.append(text('p', 'No artifacts.', 'muted'));
    const omitted = Number(result.omitted_artifacts) || 0;
    if (omitted > 0)
      box.append(
        text(
          'p',
          `${omitted} more artifact${omitted === 1 ? '' : 's'} left out: a result is kept within 64 KiB`,
          'muted',
        ),
      );
  } else {
    box.append(json(result));
  }
  return [text('h3', 'Result'), box];
}

// Indented, deep nesting is mostly spaces (a result may nest 64 levels; one stored before that limit,
// thousands): past a few levels, one line.
const MAX_INDENTED_DEPTH = 12;
function json(value) {
  try {
    return text('pre', JSON.stringify(value, null, nestsDeeper(value, MAX_INDENTED_DEPTH) ? 0 : 2));
  } catch {
    return text('p', 'Nested too deeply to show here: GET /v1/tasks/{id} answers it.', 'muted');
  }
}

/** Counted without recursion, since a result may nest deeper than the stack goes. */
function nestsDeeper(value, limit) {
  const pending = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop();
    if (item === null || typeof item !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}

// ---- the live feed (SSE over fetch, so a token can be sent; resumes with Last-Event-ID) ---------
function addToFeed(kind, data) {
  const li = document.createElement('li');
  li.dataset.kind = kind;
  const detail = [
    data.task_id,
    data.agent_id,
    data.bid_sats !== undefined ? `${data.bid_sats} sats` : '',
    data.reason ?? '',
  ]
    .filter((x) => x)
    .join(' · ');
  li.append(
    text('span', new Date(data.at).toLocaleTimeString(), 'muted'),
    ' ',
    text('span', kind, 'kind'),
    ' ',
    detail,
  );
  const feed = $('feed');
  feed.prepend(li);
  while (feed.children.length > MAX_FEED) feed.lastChild.remove();
}

function onEvent(kind, data) {
  addToFeed(kind, data);
  const status = data.status;
  if (kind === 'task:posted') upsertTask(data.task_id, { description: data.description, status: 'open' });
  else if (kind === 'task:assigned')
    upsertTask(data.task_id, { status: 'offered', assigned_agent: data.agent_id });
  else if (kind === 'task:decided') upsertTask(data.task_id, {});
  else if (kind === 'task:unassigned')
    upsertTask(data.task_id, { status: 'unassigned', assigned_agent: null });
  else if (kind === 'task:accepted') upsertTask(data.task_id, { status: 'accepted' });
  else if (kind === 'task:completed') upsertTask(data.task_id, { status: 'completed' });
  else if (kind === 'task:failed') upsertTask(data.task_id, { status: data.final ? 'failed' : status });
  else if (kind === 'task:expired') upsertTask(data.task_id, { status: 'expired' });
  if (kind === 'task:decided' && state.selected === data.task_id) showDecision(data.task_id);
  if (['task:assigned', 'task:completed', 'task:failed', 'task:accepted'].includes(kind))
    scheduleAgentRefresh();
}

let agentRefresh = null;
function scheduleAgentRefresh() {
  if (agentRefresh !== null) return;
  agentRefresh = setTimeout(() => {
    agentRefresh = null;
    refreshAgents();
  }, 300);
}

async function follow() {
  const connection = $('connection');
  for (;;) {
    try {
      const response = await fetch('/v1/events', {
        headers: headers(state.lastEventId === null ? {} : { 'last-event-id': String(state.lastEventId) }),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      connection.textContent = 'live';
      connection.className = 'pill live';
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = {};
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue;
            fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
          }
          if (fields.event && fields.data) {
            state.lastEventId = Number(fields.id);
            onEvent(fields.event, JSON.parse(fields.data));
          }
        }
      }
    } catch {
      // dropped: reconnect below
    }
    connection.textContent = 'reconnecting…';
    connection.className = 'pill down';
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// ---- posting ---------------------------------------------------------------------------------
$('post-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const required = $('required')
    .value.split(',')
    .map((s) => s.trim())
    .filter((s) => s);
  const body = { description: $('description').value };
  if (required.length > 0) body.required_capabilities = required;
  if ($('max-bid').value !== '') body.max_bid_sats = Number($('max-bid').value);
  if ($('window').value !== '') body.bidding_window_ms = Number($('window').value);
  const result = $('post-result');
  try {
    const { task } = await api('POST', '/v1/tasks', body);
    result.textContent = `posted ${task.task_id}`;
    result.dataset.taskId = task.task_id;
    // The live feed may have reported the task, even its auction's end, before this answer came
    // (they travel on two connections): the answer is older then, and must not undo it.
    if (!state.tasks.has(task.task_id))
      upsertTask(task.task_id, { description: task.description, status: task.status });
    state.selected = task.task_id;
    renderTasks();
    showDecision(task.task_id);
  } catch (error) {
    result.textContent = String(error.message ?? error);
  }
});

// ---- start -----------------------------------------------------------------------------------
async function loadRecentTasks() {
  try {
    const { tasks } = await api('GET', '/v1/tasks?limit=30');
    for (const task of tasks.reverse()) upsertTask(task.task_id, task);
  } catch {
    // shown as empty; the feed fills it
  }
}

await loadRecentTasks();
refreshAgents();
setInterval(refreshAgents, 5000);
follow();

/** A refusal as the policy words it for several bidders ("are offline"), for one ("is offline"). */
function singularReason(reason) {
  if (reason.startsWith('are ')) return `is ${reason.slice(4)}`;
  if (reason.startsWith('lack ')) return `lacks ${reason.slice(5)}`;
  if (reason.startsWith('bid ')) return `bids ${reason.slice(4)}`;
  return reason;
}
