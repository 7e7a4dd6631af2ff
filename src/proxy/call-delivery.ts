import { proxyEventOf, type CallDetails, type CallRecord, type EventBus } from '../events/index.js';

/** Takes every call of the process synchronously (the usage ledger, metrics); must not throw. */
export type EventRecorder = (call: CallRecord) => void;

/**
 * Where a finished call goes: to the in-process recorders as a CallRecord, and, only while the
 * bus has subscribers (a file event log, the live stream, Redis), as a whole event, whose details
 * are gathered only then.
 */
export interface CallDelivery {
  /** False when nothing takes calls: the data path then meters and records nothing. */
  readonly wanted: () => boolean;
  /** True when a consumer of whole events is attached (excerpts are made only then). */
  readonly wantsEvents: () => boolean;
  deliver(call: CallRecord, details: () => CallDetails): void;
}

export function createCallDelivery(bus: EventBus, recorders: readonly EventRecorder[] = []): CallDelivery {
  return {
    wanted: () => recorders.length > 0 || bus.hasSubscribers,
    wantsEvents: () => bus.hasSubscribers,
    deliver(call, details) {
      for (const record of recorders) record(call);
      if (bus.hasSubscribers) bus.publish(proxyEventOf(call, details()));
    },
  };
}
