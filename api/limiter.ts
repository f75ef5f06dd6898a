/** At most `n` of the jobs given to it run at once, across every caller (the others wait their turn, in order). */
export function limiter(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await job();
    } finally {
      const next = waiting.shift();
      if (next) next(); // the slot passes straight on
      else running--;
    }
  };
}
