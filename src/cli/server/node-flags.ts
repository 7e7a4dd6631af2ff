/**
 * Whether node was given the V8 flag `name` (`--some-flag`), on its command line (`execArgv`) or
 * in NODE_OPTIONS, spelled with dashes or underscores: a value the operator chose wins over the
 * server's own. On node's command line a flag also wins over NODE_OPTIONS, which is why a flag
 * the server passes to a process it forks must not be passed when NODE_OPTIONS has it.
 */
export function nodeFlagGiven(name: string, execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const spellings = [name, `--${name.slice(2).replaceAll('-', '_')}`];
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  return given.some((flag) => spellings.some((spelling) => flag === spelling || flag.startsWith(`${spelling}=`)));
}
