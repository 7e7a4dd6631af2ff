/**
 * `param_whitelist`: top-level JSON body keys whose values must match one of a list of glob
 * patterns (`*`, `?`, `[…]`), compiled once at start.
 */
export interface ParamWhitelist {
  readonly isEmpty: boolean;
  /** The refusal message, or undefined when every whitelisted parameter present is allowed. */
  check(body: unknown): string | undefined;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] ?? '';
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close === -1) source += '\\[';
      else {
        const set = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
        source += `[${set.startsWith('!') ? '^' + set.slice(1) : set}]`;
        i = close;
      }
    } else source += char.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function compileParamWhitelist(whitelist: Readonly<Record<string, readonly string[]>>): ParamWhitelist {
  const rules = Object.entries(whitelist).map(([key, patterns]) => ({ key, patterns, regexps: patterns.map(globToRegExp) }));
  return {
    isEmpty: rules.length === 0,
    check(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
      const record = body as Record<string, unknown>;
      for (const rule of rules) {
        if (!Object.hasOwn(record, rule.key)) continue;
        const text = valueText(record[rule.key]);
        if (!rule.regexps.some((regexp) => regexp.test(text))) {
          return `Parameter '${rule.key}' value '${text}' is not allowed. Allowed patterns: ${rule.patterns.join(', ')}`;
        }
      }
      return undefined;
    },
  };
}
