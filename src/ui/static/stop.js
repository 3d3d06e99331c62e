// berth ui: the Stop and Force stop buttons.
import { postJson } from './api.js';
import { refreshDetailsHeader } from './details.js';
import { $, h, hostPort, primaryHolder } from './dom.js';
import { state } from './state.js';

export const STOP_WORDING = {
  term: {
    title: 'Stop this process?',
    text: 'Stop what holds',
    note: 'It gets SIGTERM; berth re-checks its start time first, never signals pid 1, itself or the shell that started it, and checks afterwards that the port is free.',
    button: 'Stop',
  },
  kill: {
    title: 'Force it to stop?',
    text: 'It ignored SIGTERM. Force stop what holds',
    note: 'It gets SIGKILL: it ends at once, without a chance to clean up (open files, child processes, temporary data). berth re-checks its start time first.',
    button: 'Force stop',
  },
};

/** Asks before stopping; `force`: with SIGKILL, after SIGTERM was ignored. */
export function askStop(socket, out, force = false) {
  const row = state.rows.get(socket.key);
  const holders = row?.socket.holders ?? [];
  if (holders.length === 0) return;
  const holder = primaryHolder(row.socket);
  const dialog = $('#confirm');
  const wording = STOP_WORDING[force ? 'kill' : 'term'];
  $('#confirm-title').textContent = wording.title;
  $('#confirm-note').textContent = wording.note;
  $('#confirm-stop').textContent = wording.button;
  $('#confirm-text').textContent = `${wording.text} ${hostPort(socket.localAddress, socket.localPort)}:`;
  $('#confirm-list').replaceChildren(...holders.map((p) => h('li', {}, h('strong', {}, `pid ${p.pid} ${p.name}`), h('div', { class: 'cmd-small' }, p.command))));
  const cancel = $('#confirm-cancel');
  const stop = $('#confirm-stop');
  const finish = (confirmed) => {
    cancel.removeEventListener('click', onCancel);
    stop.removeEventListener('click', onStop);
    dialog.removeEventListener('cancel', onCancel);
    dialog.close();
    if (confirmed) void doStop(socket, holder, out, force);
  };
  const onCancel = () => finish(false);
  const onStop = () => finish(true);
  cancel.addEventListener('click', onCancel);
  stop.addEventListener('click', onStop);
  dialog.addEventListener('cancel', onCancel);
  dialog.showModal();
  cancel.focus();
}

export function describeKill(result) {
  const lines = [];
  for (const refusal of result.plan.refused) lines.push(refusal.message, ...(refusal.hint ? [refusal.hint] : []));
  for (const p of result.processes) {
    const what = {
      exited: 'exited',
      killed: 'was killed (SIGKILL)',
      running: 'is still running (it ignored SIGTERM)',
      signalled: 'was signalled',
      gone: 'had already exited',
      denied: `was not stopped: ${p.error?.message ?? 'permission denied'}`,
    }[p.outcome] ?? p.outcome;
    lines.push(`pid ${p.pid} (${p.name}) ${what}.`);
  }
  for (const port of result.ports) {
    lines.push(port.free ? `Port ${port.port} is free.` : `Port ${port.port} is still held${port.heldBy.length ? ` by ${port.heldBy.map((p) => `pid ${p.pid} (${p.name})`).join(', ')}` : ''}.`);
  }
  return lines;
}

export async function doStop(socket, holder, out, force) {
  const button = $('#stop-button');
  if (button) button.disabled = true;
  out.replaceChildren(h('p', { class: 'muted' }, `${force ? 'Killing' : 'Stopping'} pid ${holder.pid}…`));
  try {
    const { status, body } = await postJson('/api/kill', {
      port: socket.localPort,
      address: socket.localAddress,
      pid: holder.pid,
      startMarker: holder.startMarker,
      protocol: socket.protocol,
      ...(force ? { signal: 'SIGKILL' } : {}),
    });
    if (status !== 200) {
      out.replaceChildren(h('p', { class: 'error' }, body?.error?.message ?? `Refused (${status}).`), body?.error?.hint ? h('p', { class: 'muted' }, body.error.hint) : null);
      return;
    }
    const outcome = h('div', { class: body.ok ? 'outcome ok' : 'outcome bad' }, describeKill(body.result).map((line) => h('p', {}, line)));
    // It ignored SIGTERM: offer SIGKILL, asked for again.
    const survivor = body.result.processes.find((p) => p.outcome === 'running');
    let forceButton = null;
    if (survivor && !force) {
      forceButton = h('button', { type: 'button', id: 'force-button', class: 'danger' }, 'Force stop (SIGKILL)…');
      forceButton.addEventListener('click', () => askStop(socket, out, true));
    }
    out.replaceChildren(...(forceButton ? [outcome, forceButton] : [outcome]));
  } catch (error) {
    out.replaceChildren(h('p', { class: 'error' }, `Stop failed: ${error.message}`));
  } finally {
    refreshDetailsHeader();
  }
}
