/**
 * What the property tests read from the environment: HOOP_FUZZ_RUNS=N runs N cases per property (a longer local
 * search, with no time limit), HOOP_FUZZ_SEED replays a reported seed.
 */
export function fuzzSettings(defaultRuns: number): { runs: number; timeLimited: boolean; seed: number | undefined } {
  const runs = Number(process.env.HOOP_FUZZ_RUNS);
  const seed = process.env.HOOP_FUZZ_SEED;
  return { runs: runs || defaultRuns, timeLimited: !runs, seed: seed ? Number(seed) : undefined };
}
