/**
 * What `berth run` says once the app answers.
 */
import type { CommandPlan } from '../../run/frameworks.js';
import type { ReadyApp } from '../../run/index.js';
import type { Style } from './style.js';

/** The ready lines: the URL first, then what berth did and any warning. */
export function renderRunReady(ready: ReadyApp, plan: CommandPlan, style: Style): string[] {
  const lines = [
    `${style.green('➜')} ${style.bold(ready.name)} ready at ${style.cyan(ready.url ?? ready.directUrl)}${ready.url ? style.dim(`  (direct: ${ready.directUrl})`) : ''}`,
  ];
  if (plan.added.length > 0) lines.push(style.dim(`  ${plan.tool} ignores PORT; berth added ${plan.added.join(' ')}`));
  if (ready.movedFrom !== null) {
    lines.push(
      style.yellow(`  the app ignored PORT=${ready.movedFrom} and listens on ${ready.port}; routed there. Make it read PORT (or pass --port) so its port stays stable.`),
    );
  }
  if (ready.proxyError) lines.push(style.yellow(`  no proxy: ${ready.proxyError.message}`), style.dim(`  ${ready.proxyError.hint ?? ''}`));
  return lines;
}
