/**
 * berth's library API. Everything the CLI can do, a program can do from here.
 * The library never writes to stdout, never exits the process, never prompts.
 */
export { BerthError, isBerthError, type ErrorCode, type BerthErrorOptions } from './errors.js';
export type { Socket, ProcessInfo, Protocol, Family, SocketState, Exposure, PortClass } from './model.js';
export { isListening } from './model.js';
export { parsePort, parsePortRange, parseTarget, formatHostPort, type PortRange, type Target } from './ports/parse.js';
export { exposureOf, isLoopback, isWildcard, describeExposure } from './ports/address.js';
export {
  portFacts,
  portClassOf,
  serviceNameOf,
  isBrowserUnsafe,
  isEphemeral,
  isPrivileged,
  ephemeralRange,
  unprivilegedFloor,
  BROWSER_UNSAFE_PORTS,
  type PortFacts,
} from './ports/facts.js';
export { parseDuration, formatDuration } from './duration.js';
export {
  listSockets,
  whoIs,
  resolveTargetAddresses,
  type SocketFilter,
  type WhoResult,
  type WhoOptions,
  type Holder,
} from './inventory/index.js';
export { readProcess, isSameProcessAlive } from './processes/index.js';
export { signalProcess, type SignalOutcome } from './processes/signal.js';
export {
  killPort,
  planKill,
  KILL_TIMEOUT_MS,
  type KillOptions,
  type KillPlan,
  type KillResult,
  type Victim,
  type Refusal,
  type ProcessOutcome,
  type PortOutcome,
} from './kill/index.js';
export { parseSignal } from './kill/signals.js';
export { explainPort, type PortExplanation } from './explain/index.js';
export {
  diagnose,
  runRules,
  DOCTOR_TIMEOUT_MS,
  type DiagnoseOptions,
  type DoctorReport,
  type DoctorFacts,
  type Finding,
  type FindingFix,
  type Severity,
} from './doctor/index.js';
export { ianaServices, type IanaService } from './ports/iana.js';
export {
  probeConnect,
  resolveHost,
  CONNECT_TIMEOUT_MS,
  type ConnectFailure,
  type ConnectResult,
  type ProbeConnectOptions,
  type ResolvedAddress,
} from './probe/connect.js';
export { probeHttp, HTTP_TIMEOUT_MS, type HttpFailure, type HttpResult, type ProbeHttpOptions } from './probe/http.js';
export {
  createStaticServer,
  mimeTypeOf,
  decodeRequestPath,
  decideRange,
  exposureWarning,
  type StaticServer,
  type StaticServerOptions,
  type ServeAddress,
  type ServeListenOptions,
  type AccessLogEntry,
  type DecodedPath,
  type RangeDecision,
} from './serve/index.js';
export {
  createForwarder,
  Forwarder,
  FORWARD_CONNECT_TIMEOUT_MS,
  type ForwarderOptions,
  type ForwarderEvents,
  type ForwardStats,
  type ForwardOpenEvent,
  type ForwardConnectEvent,
  type ForwardCloseEvent,
  type HostPort,
} from './forward/index.js';
export { getPort, getPorts, listenOnFreePort, pickPorts, RESERVATION_MS, type GetPortOptions, type ListenOptions, type PortPick } from './alloc/get-port.js';
export { leasePort, listLeases, releaseLeases, type Lease, type LeaseOptions, type LeaseStatus, type ReleaseQuery } from './alloc/lease.js';
export type { PassedOver, PortSearchOptions } from './alloc/search.js';
export { findProject, type ProjectInfo } from './alloc/project.js';
export { stateHome, statePath } from './state/paths.js';
export {
  watchListeners,
  eventsOfScan,
  WATCH_INTERVAL_MS,
  type ListenerEvent,
  type ListenerOpenedEvent,
  type ListenerClosedEvent,
  type WatchOptions,
} from './watch/events.js';
export { diffListeners, listenerKey, type ListenerDiff, type ListenerKeyFields } from './watch/diff.js';
export { createListenerScanner, type ListenerScan, type ListenerScanner, type ScannerOptions } from './watch/scanner.js';
export { createRecorder, historyRetentionMs, type HistoryRecorder, type RecorderOptions } from './watch/recorder.js';
export { lastHolder, listHistory, recorderStatus, type HistoryItem, type ListHistoryOptions, type RecorderStatus } from './watch/history.js';
export { runRecorder, runningDaemon, type DaemonRecord, type RunRecorderOptions } from './watch/daemon.js';
export { HISTORY_RETENTION_DAYS, type HistoryEntry, type RecorderRecord, type RecorderKind } from './state/history.js';
export * from './proxy/index.js';
export {
  createUiServer,
  TOKEN_HEADER,
  type UiServer,
  type UiServerOptions,
  type UiSocket,
  type UiIdentification,
  type FeedMessage,
  type FeedStatus,
  type KillRequest,
} from './ui/index.js';
export {
  identifyPort,
  planProbes,
  PROTOCOL_IDS,
  IDENTIFY_TIMEOUT_MS,
  type Identification,
  type IdentifyOptions,
  type ProtocolId,
  type ProbeStep,
  type TlsFacts,
} from './probe/identify/index.js';
export { identifyMany, identifySockets, probeHostFor, IDENTIFY_CONCURRENCY, type IdentifyManyOptions } from './probe/identify/many.js';
export {
  waitFor,
  planWait,
  parseStatuses,
  WAIT_TIMEOUT_MS,
  DEFAULT_STATUSES,
  type WaitOptions,
  type WaitResult,
  type WaitProgress,
  type WaitAttempt,
  type WaitTarget,
  type WaitMode,
  type StatusRange,
} from './alloc/wait.js';
export {
  explainNotReady,
  type Diagnosis as WaitDiagnosis,
  type DiagnosisCode as WaitDiagnosisCode,
  type DiagnosedListener,
} from './alloc/wait-diagnosis.js';
export { runApp, type RunOptions, type RunningApp, type ReadyApp, type AppExit } from './run/index.js';
export { planCommand, type CommandPlan } from './run/frameworks.js';
export { deriveAppName, type AppName } from './run/name.js';
