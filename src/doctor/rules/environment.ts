/**
 * PROXY_WITHOUT_NO_PROXY: a proxy variable is set and NO_PROXY does not
 * cover the local host, so HTTP clients send local requests to the proxy.
 */
import type { Rule } from '../types.js';

/** Fires when an HTTP proxy applies and NO_PROXY leaves the target's host out. */
export const proxyWithoutNoProxy: Rule = (facts) => {
  const { proxy, target: t } = facts;
  if (proxy.set.length === 0 || !t.local || !proxy.uncovered.includes(t.host)) return [];
  const existing = proxy.noProxy[0]?.value.split(/[\s,]+/).filter(Boolean) ?? [];
  const merged = [...new Set([...existing, ...proxy.uncovered])].join(',');
  const names = proxy.set.map((s) => s.name).join(', ');
  return [
    {
      code: 'PROXY_WITHOUT_NO_PROXY',
      severity: 'warning',
      title: `${names} set, NO_PROXY does not cover ${t.host}`,
      message: `${names} ${proxy.set.length === 1 ? 'is' : 'are'} set and NO_PROXY does not cover ${t.host}, so curl, Python requests and proxy-aware Node clients send this machine's own requests to the proxy, which cannot reach them.`,
      evidence: [
        ...proxy.set.map((s) => `${s.name}=${s.value}`),
        ...(proxy.noProxy.length > 0 ? proxy.noProxy.map((n) => `${n.name}=${n.value}`) : ['NO_PROXY and no_proxy are not set']),
        `not covered: ${proxy.uncovered.join(', ')}`,
      ],
      fix: { text: 'Add the local hosts to NO_PROXY (both spellings: tools read one or the other).', command: `export NO_PROXY=${merged} no_proxy=${merged}` },
    },
  ];
};
