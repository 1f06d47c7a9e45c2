import Foundation

/// Two threads for a bulk write: a producer of its own (read, check, transform, encode) and
/// the calling thread (write to the store), with a few batches between them, so the file is
/// parsed while the store takes the previous batches and memory holds only those batches.
///
/// The store's connection never leaves the calling thread. Batches arrive in the order they
/// were produced. Whichever side fails first decides the error: the producer's stops the
/// writer before its next batch; the writer's stops the producer at its next hand-off. The
/// producer's thread has always ended when ``run(depth:produce:consume:)`` returns.
enum ImportPipeline {
    /// Runs `produce` on a thread of its own, handing each batch it emits to `consume` here.
    /// - Parameters:
    ///   - depth: batches that may wait between the two sides.
    ///   - produce: makes the batches, passing each to `emit`, which waits while `depth` are
    ///     waiting and throws once the writer has failed; returns what it learned at the end.
    ///   - consume: writes one batch.
    /// - Returns: what `produce` returned.
    /// - Throws: the first error of either side.
    static func run<Batch: Sendable, Result: Sendable>(
        depth: Int,
        produce: @escaping @Sendable (_ emit: (Batch) throws -> Void) throws -> Result,
        consume: (Batch) throws -> Void
    ) throws -> Result {
        let channel = Channel<Batch, Result>(depth: depth)
        let thread = Thread {
            channel.finish(Swift.Result { try produce { try channel.put($0) } })
        }
        // The parsers recurse into nested arrays as deep as JSONScanner.maxDepth; give the
        // producer a main thread's stack.
        thread.stackSize = 8 << 20
        thread.start()
        do {
            while let batch = try channel.take() { try consume(batch) }
            return try channel.result()
        } catch {
            channel.cancel()
            _ = try? channel.result()
            throw error
        }
    }
}

/// The consumer gave up; the producer stops at its next hand-off.
private struct WriterStopped: Error {}

/// The batches between the two threads, guarded by one condition.
private final class Channel<Batch: Sendable, Outcome: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let depth: Int
    private var waiting: [Batch] = []
    private var head = 0
    private var outcome: Result<Outcome, any Error>?
    private var cancelled = false

    init(depth: Int) {
        precondition(depth > 0, "at least one batch may wait")
        self.depth = depth
    }

    /// Producer: hands over a batch, waiting while `depth` are waiting.
    func put(_ batch: Batch) throws {
        condition.lock()
        defer { condition.unlock() }
        while waiting.count - head >= depth && !cancelled { condition.wait() }
        if cancelled { throw WriterStopped() }
        waiting.append(batch)
        condition.broadcast()
    }

    /// Producer: its end, with what it returned or threw.
    func finish(_ result: Result<Outcome, any Error>) {
        condition.lock()
        outcome = result
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next batch, nil once the producer has finished them all; throws the
    /// producer's error as soon as it has failed (the batches still waiting are dropped).
    func take() throws -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if case .failure(let e)? = outcome { throw e }
            if head < waiting.count {
                let batch = waiting[head]
                head += 1
                if head > 64 {
                    waiting.removeFirst(head)
                    head = 0
                }
                condition.broadcast()
                return batch
            }
            if outcome != nil { return nil }
            condition.wait()
        }
    }

    /// Consumer: stops the producer at its next hand-off.
    func cancel() {
        condition.lock()
        cancelled = true
        waiting.removeAll()
        head = 0
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: waits for the producer's thread to end and returns what it returned.
    func result() throws -> Outcome {
        condition.lock()
        defer { condition.unlock() }
        while outcome == nil { condition.wait() }
        return try outcome!.get()
    }
}
