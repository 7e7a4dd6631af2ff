import type { Sink } from '../sink.js';
import { createFileSink } from './file-sink.js';
import { createHeliconeSink } from './helicone-sink.js';
import { createLunarySink } from './lunary-sink.js';
import { createWebhookSink } from './webhook-sink.js';

/** A sink as the command line describes it (validated by the caller). */
export type SinkSpec =
  | { readonly service: 'file'; readonly path: string }
  | { readonly service: 'lunary' | 'helicone'; readonly endpoint?: string; readonly apiKey: string }
  | { readonly service: 'webhook'; readonly endpoint: string; readonly secret: string };

export function createSink(spec: SinkSpec): Sink {
  switch (spec.service) {
    case 'file':
      return createFileSink(spec.path);
    case 'lunary':
      return createLunarySink(spec);
    case 'helicone':
      return createHeliconeSink(spec);
    case 'webhook':
      return createWebhookSink(spec);
  }
}
