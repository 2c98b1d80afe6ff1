/**
 * @module The engine's admission model: at most max-num-seqs sequences run, the rest wait first-come first-served.
 * A sequence is admitted only when the KV cache can hold its prompt plus its planned output (the simulator knows
 * the output length up front, so it never needs vLLM's preemption). KV usage counts blocks actually filled:
 * prompt plus tokens generated so far. Pure: no timers, no I/O.
 */

export interface SchedulerConfig {
  maxNumSeqs: number
  blockSize: number
  totalBlocks: number
  /** Waiting requests beyond this are rejected; 0 means unbounded, as in vLLM. */
  maxWaiting: number
}

export interface SequenceSpec {
  id: number
  promptTokens: number
  /** Output tokens the sequence will generate at most. */
  outputTokens: number
}

interface Sequence extends SequenceSpec {
  reservedBlocks: number
  usedBlocks: number
}

export type SubmitResult = 'running' | 'waiting' | 'rejected'

const blocksFor = (tokens: number, blockSize: number): number => Math.ceil(tokens / blockSize)

export class Scheduler {
  readonly config: SchedulerConfig
  private readonly runningSeqs = new Map<number, Sequence>()
  private readonly waitingSeqs: Sequence[] = []
  private reserved = 0
  private used = 0

  constructor(config: SchedulerConfig) {
    this.config = config
  }

  get running(): number {
    return this.runningSeqs.size
  }

  get waiting(): number {
    return this.waitingSeqs.length
  }

  /** Fraction of KV blocks in use, 0 to 1, as vllm:kv_cache_usage_perc reports it. */
  get kvUsage(): number {
    return this.config.totalBlocks > 0 ? Math.min(1, this.used / this.config.totalBlocks) : 0
  }

  submit(spec: SequenceSpec): SubmitResult {
    const seq: Sequence = {
      ...spec,
      reservedBlocks: blocksFor(spec.promptTokens + spec.outputTokens, this.config.blockSize),
      usedBlocks: 0,
    }
    if (this.waitingSeqs.length === 0 && this.fits(seq)) {
      this.start(seq)
      return 'running'
    }
    if (this.config.maxWaiting > 0 && this.waitingSeqs.length >= this.config.maxWaiting) return 'rejected'
    this.waitingSeqs.push(seq)
    return 'waiting'
  }

  /** Records output progress of a running sequence, for KV usage. */
  progress(id: number, generatedTokens: number): void {
    const seq = this.runningSeqs.get(id)
    if (seq === undefined) return
    const blocks = Math.min(
      seq.reservedBlocks,
      blocksFor(seq.promptTokens + generatedTokens, this.config.blockSize),
    )
    this.used += blocks - seq.usedBlocks
    seq.usedBlocks = blocks
  }

  /** Removes a sequence (finished, failed or aborted, running or waiting); returns the ids admitted in its place. */
  remove(id: number): number[] {
    const seq = this.runningSeqs.get(id)
    if (seq !== undefined) {
      this.runningSeqs.delete(id)
      this.reserved -= seq.reservedBlocks
      this.used -= seq.usedBlocks
      return this.admitWaiting()
    }
    const index = this.waitingSeqs.findIndex((waiting) => waiting.id === id)
    if (index !== -1) {
      this.waitingSeqs.splice(index, 1)
      // A removed head may have been what blocked the queue.
      if (index === 0) return this.admitWaiting()
    }
    return []
  }

  private fits(seq: Sequence): boolean {
    if (this.runningSeqs.size >= this.config.maxNumSeqs) return false
    // An oversize sequence still runs alone, as vLLM runs a request that fits max-model-len.
    return this.runningSeqs.size === 0 || this.reserved + seq.reservedBlocks <= this.config.totalBlocks
  }

  private start(seq: Sequence): void {
    this.runningSeqs.set(seq.id, seq)
    this.reserved += seq.reservedBlocks
    seq.usedBlocks = blocksFor(seq.promptTokens, this.config.blockSize)
    this.used += seq.usedBlocks
  }

  private admitWaiting(): number[] {
    const admitted: number[] = []
    let head = this.waitingSeqs[0]
    while (head !== undefined && this.fits(head)) {
      this.waitingSeqs.shift()
      this.start(head)
      admitted.push(head.id)
      head = this.waitingSeqs[0]
    }
    return admitted
  }
}
