export { createInjectedUsageStripper } from './injected-usage-stripper.js';
export { NO_FACTS, requestFacts, withIncludeUsage, type RequestFacts } from './request-facts.js';
export { usageFromProvider, usageOfAnswer } from './provider-usage.js';
export { UsageMeter, type MeteredAnswer, type UsageMeterOptions } from './usage-meter.js';
export { encodingOf, estimateUsage, promptText, streamedText } from './token-estimate.js';
