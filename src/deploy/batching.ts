// Batching images of equal size while keeping the caller's order: items wait in per-size groups, a group runs when it
// holds `batchSize` items (or when the oldest waiting item's group must run to bound memory, or at the end), and
// results are yielded as soon as every earlier one is ready.

interface Slot<T, R> {
  item: T;
  key: string;
  result?: { value: R };
}

/** Runs `items` through `run` in batches of equal-`key` items (at most `batchSize`), yielding results in input order. */
export async function* inOrderBatches<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  key: (item: T) => string,
  batchSize: number,
  run: (batch: T[]) => Promise<R[]>,
  maxPending = 4 * batchSize,
): AsyncGenerator<R> {
  const queue: Slot<T, R>[] = [];
  const groups = new Map<string, Slot<T, R>[]>();
  const flush = async (k: string): Promise<void> => {
    const group = groups.get(k);
    if (!group) return;
    groups.delete(k);
    const results = await run(group.map((s) => s.item));
    if (results.length !== group.length) throw new Error(`batch of ${group.length} gave ${results.length} results`);
    group.forEach((s, i) => {
      s.result = { value: results[i] as R };
    });
  };
  for await (const item of items) {
    const slot: Slot<T, R> = { item, key: key(item) };
    queue.push(slot);
    const group = groups.get(slot.key) ?? [];
    group.push(slot);
    groups.set(slot.key, group);
    if (group.length >= batchSize) await flush(slot.key);
    if (queue.length >= maxPending && !queue[0]!.result) await flush(queue[0]!.key);
    while (queue[0]?.result) yield queue.shift()!.result!.value;
  }
  while (queue.length > 0) {
    if (!queue[0]!.result) await flush(queue[0]!.key);
    yield queue.shift()!.result!.value;
  }
}
