/**
 * The shapes of `berth doctor`: the facts gathered about a target (plain,
 * JSON-safe data), the findings the rules draw from them, and the report.
 * Rules only ever see {@link DoctorFacts}, so each can be tested with
 * hand-built facts.
 */
import type { Exposure, Family } from '../model.js';
import type { PortFacts } from '../ports/facts.js';
import type { PortRange } from '../ports/parse.js';

/** How bad a finding is. Any `error` makes the target unhealthy. */
export type Severity = 'error' | 'warning' | 'info';

/** The exact way out of a finding. */
export interface FindingFix {
  /** What to do, in one sentence. */
  text: string;
  /** A command to run, when there is one. */
  command?: string;
  /** A code change, when the fix is in the program (`server.listen(3000, '127.0.0.1')`). */
  code?: string;
}

/** One thing doctor found. */
export interface Finding {
  /** Stable code (`NOTHING_LISTENING`, `WRONG_FAMILY` …); scripts may match on it. */
  code: string;
  severity: Severity;
  /** Short headline. */
  title: string;
  /** One sentence: what is wrong and why it matters. */
  message: string;
  /** The facts the finding rests on, one per line. */
  evidence: string[];
  fix: FindingFix;
}

/** A rule: pure, from facts to findings (usually zero or one). */
export type Rule = (facts: DoctorFacts) => Finding[];

/** The protocols a URL scheme expects to find on its port. */
export type ExpectedProtocol = 'http' | 'https' | 'postgres' | 'mysql' | 'redis' | 'mongodb' | 'ssh' | 'tls';

/** Where the user pointed doctor, as the rules need it. */
export interface TargetFacts {
  /** What the user typed. */
  input: string;
  /** Host as typed; `localhost` when only a port was given (that is what a client would use). */
  host: string;
  /** True when the user gave only a port. */
  barePort: boolean;
  port: number;
  /** URL scheme, when the target was a URL. */
  scheme: string | null;
  /** The protocol the scheme implies, when it implies one. */
  expected: ExpectedProtocol | null;
  /** `localhost` (or *.localhost), a loopback literal, another IP literal, or a name. */
  hostKind: 'localhost' | 'loopback' | 'ip' | 'name';
  /** True when every address the host stands for belongs to this machine, so the inventory applies. */
  local: boolean;
}

/** One address with its family. */
export interface AddressFact {
  address: string;
  family: Family;
}

/** Outcome of one bounded connect. */
export interface ProbeFact {
  address: string;
  family: Family;
  /** True when a client of the target would connect here (the host's addresses). */
  client: boolean;
  /**
   * `ok`, a connect failure reason (refused, timeout, unreachable, address-unavailable,
   * reset, self-connect, other), or `aborted` when another answer had already decided the case.
   */
  outcome: 'ok' | 'refused' | 'timeout' | 'unreachable' | 'address-unavailable' | 'reset' | 'self-connect' | 'other' | 'aborted';
  /** errno code of a failure (`ECONNREFUSED` …). */
  code: string | null;
  /** Milliseconds the attempt took. */
  ms: number;
}

/** A process holding a listener, as far as doctor needs it. */
export interface HolderFact {
  pid: number;
  name: string;
  command: string;
  cwd: string | null;
  /** Process state letter from /proc/<pid>/stat: R, S, D, T (stopped), t (stopped by a debugger), Z … */
  state: string | null;
  /** Network namespace id (`net:[4026531840]`); null when unreadable. */
  netns: string | null;
}

/** The accept queue of a listening socket. */
export interface AcceptQueueFact {
  /** Connections completed by the kernel and not yet accepted by the program. */
  current: number;
  /** The queue's length, min(listen backlog, net.core.somaxconn); null when unknown. */
  max: number | null;
}

/** A TCP socket listening on the target port in this network namespace. */
export interface ListenerFact {
  address: string;
  family: Family;
  exposure: Exposure;
  /** True when it accepts connections to at least one of the client's addresses. */
  acceptsClient: boolean;
  holders: HolderFact[];
  /** True when the holders could not be read (another user's process, not root). */
  holdersHidden: boolean;
  /** Socket owner's user name, when known. */
  user: string | null;
  acceptQueue: AcceptQueueFact | null;
}

/** A listener on a port near the target's, for "did you mean". */
export interface NearbyFact {
  port: number;
  address: string;
  family: Family;
  pid: number | null;
  name: string | null;
  command: string | null;
  /** Why it was picked. */
  reason: 'same-folder' | 'same-command' | 'dev-server';
}

/** TcpExt counters from /proc/net/netstat. */
export interface TcpCounters {
  /** SYNs dropped because a listener's accept queue was full. */
  listenOverflows: number;
  /** SYNs dropped at a listener for any reason (includes the overflows). */
  listenDrops: number;
}

/** One firewall rule that drops or rejects the target's packets. */
export interface FirewallRuleFact {
  /** Which tool shows the rule. */
  source: 'nft' | 'iptables' | 'ip6tables';
  /** The table and chain (`filter INPUT`, `inet filter input`). */
  chain: string;
  /** The rule as its tool prints it. */
  rule: string;
  verdict: 'drop' | 'reject';
  /** Rule comment, when the rule has one. */
  comment: string | null;
  /** The command that deletes the rule. */
  deleteCommand: string;
  /** What in the rule matches: `tcp dport 3000`, `iifname lo`. */
  matched: string[];
  /** Which packets of the connect it stops: `SYN to 127.0.0.1:3000`. */
  packets: string[];
}

/** Firewall state, as far as it could be read. */
export interface FirewallFacts {
  /** False when the rules could not be read (not root, no nft/iptables). */
  readable: boolean;
  /** Why the rules could not be read. */
  reason: string | null;
  /** Tools read. */
  sources: string[];
  /** DROP/REJECT rules that match the target's packets. */
  matches: FirewallRuleFact[];
}

/** Proxy variables that HTTP clients (curl, requests, undici's EnvHttpProxyAgent …) read. */
export interface ProxyFacts {
  /** Proxy variables set, name and value (credentials masked). */
  set: Array<{ name: string; value: string }>;
  /** NO_PROXY / no_proxy as set (both, when both are). */
  noProxy: Array<{ name: string; value: string }>;
  /** Hosts among localhost, 127.0.0.1, ::1 and the target host that NO_PROXY does not cover. */
  uncovered: string[];
}

/** Kernel settings that change what a port means. */
export interface SysctlFacts {
  ephemeralRange: PortRange;
  unprivilegedFloor: number;
  /** net.ipv6.conf.all.disable_ipv6; null when unreadable. */
  ipv6Disabled: boolean | null;
  /** net.core.somaxconn; null when unreadable. */
  somaxconn: number | null;
}

/** A listener on the target port inside another network namespace. */
export interface ForeignListenerFact {
  netns: string;
  address: string;
  family: Family;
  /** A process in that namespace (its first by pid), to name it and to nsenter into it. */
  pid: number;
  name: string;
  command: string;
}

/** What identification said about the answering port. */
export interface IdentifyFact {
  protocol: string;
  summary: string;
  address: string;
  ms: number;
  /** True when doctor stopped identification because the case was already decided. */
  aborted: boolean;
  /** True when the port accepted connections but never sent a byte back to any probe. */
  silent: boolean;
}

/** Who held the port last, from the history recorder (berth watch --record, berth daemon, berth ui). */
export interface LastHolderFact {
  pid: number | null;
  name: string | null;
  command: string | null;
  cwd: string | null;
  /** When it stopped listening (ms since the epoch), or when it was last seen if the recorder missed the end. */
  until: number;
  /** True when a recorder saw it close; false when it was only last seen then. */
  closed: boolean;
  durationMs: number;
}

/** Everything doctor knows about a target. JSON-safe. */
export interface DoctorFacts {
  target: TargetFacts;
  platform: string;
  /** What the system resolver returns for the host (getaddrinfo order); null for IP literals. */
  resolver: AddressFact[] | null;
  /** Why the host could not be resolved; null when it was. */
  resolveError: string | null;
  /** The addresses a client tries, in Node's connect order. */
  clientAddresses: AddressFact[];
  probes: ProbeFact[];
  /** TCP listeners on the port in this network namespace. */
  listeners: ListenerFact[];
  /** UDP sockets bound to the port (a TCP client will not reach them). */
  udp: AddressFact[];
  /** TCP sockets on the port in TIME_WAIT: something was connected moments ago. */
  timeWait: number;
  /** Established connections whose local port is the target port and that no listener accepted (outgoing). */
  outgoingOnPort: number;
  nearby: NearbyFact[];
  counters: { before: TcpCounters | null; after: TcpCounters | null };
  /** Loopback interface state; null when unreadable. */
  loopback: { up: boolean; flags: string } | null;
  firewall: FirewallFacts;
  proxy: ProxyFacts;
  sysctls: SysctlFacts;
  port: PortFacts;
  /** This process's network namespace id; null when unreadable. */
  netns: string | null;
  /** Listeners on the port in other network namespaces (containers), when none is here. */
  foreignListeners: ForeignListenerFact[];
  identify: IdentifyFact | null;
  /** The last recorded holder of the port (berth's history), when nothing listens now and one was recorded. */
  lastHolder: LastHolderFact | null;
  /** Facts that could not be gathered, and why. */
  gaps: string[];
}

/** The result of {@link diagnose}. */
export interface DoctorReport {
  /** The target as typed. */
  target: string;
  healthy: boolean;
  /** One line: what answered, or what is wrong. */
  verdict: string;
  findings: Finding[];
  /** What answered, when something did. */
  answered?: { address: string; ms: number; protocol?: string; summary?: string };
  facts: DoctorFacts;
  /** Milliseconds doctor took. */
  ms: number;
}
